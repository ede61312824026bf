import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type LocalIssuer, startLocalIssuer } from '@repo/testing'
import { audience, closeTestApis, createTestApi } from 'api/test/helpers.ts'
import { getClaims, getPublicMessage, getScopedClaims, postMessage } from '../src/calls.ts'
import { createApiClient } from '../src/client.ts'
import { getAccessToken } from '../src/token.ts'

// The example end to end, in one process: tokens from the real development issuer (a child process on a port of its
// own), the API in-process through treaty's `treaty(app)` form (no port), wired as the server wires it.
let issuer: LocalIssuer
let app: ReturnType<typeof createTestApi>['app']
let full: string
let limited: string

beforeAll(async () => {
  issuer = await startLocalIssuer({ audiences: [audience] })
  app = createTestApi(issuer).app
  ;[full, limited] = await Promise.all([
    getAccessToken({ issuerUrl: issuer.baseUrl, audience }),
    getAccessToken({ issuerUrl: issuer.baseUrl, audience, clientId: 'limited-client', clientSecret: 'limited-secret' }),
  ])
}, 30_000)

afterAll(async () => {
  closeTestApis()
  await issuer?.stop()
})

describe('the typed client (examples/typed-client)', () => {
  test('GET /api/public', async () => {
    expect(await getPublicMessage(createApiClient(app))).toBe(
      "Hello from a public endpoint! You don't need to be authenticated to see this.",
    )
  })

  test('no token: a typed 401 refusal, not an exception', async () => {
    expect(await getClaims(createApiClient(app))).toEqual({
      ok: false,
      status: 401,
      error: 'unauthorized',
      description: 'Authentication required',
    })
  })

  test('a token from the issuer (client_credentials): the claims; read:messages opens the scoped route', async () => {
    const api = createApiClient(app, full)
    const claims = await getClaims(api)
    expect(claims).toMatchObject({ ok: true, value: { iss: issuer.baseUrl, aud: audience, client_id: 'local-client' } })
    expect(await getScopedClaims(api)).toMatchObject({ ok: true, value: { scope: 'read:messages write:messages' } })
    expect(await postMessage(api, 'hello')).toEqual({ ok: true, value: { text: 'hello', author: 'local-client' } })
  })

  test('a token without read:messages: a typed 403 refusal naming insufficient_scope', async () => {
    expect(await getScopedClaims(createApiClient(app, limited))).toMatchObject({
      ok: false,
      status: 403,
      error: 'insufficient_scope',
    })
  })

  test('a given token (TOKEN) is used as it is', async () => {
    expect(await getAccessToken({ token: 'given', issuerUrl: 'http://127.0.0.1:9' })).toBe('given')
  })

  test('a route or a body the API does not have fails to type-check (and is refused at run time)', async () => {
    const api = createApiClient(app, full)
    // @ts-expect-error: the API has no /api/nope
    const missing = await api.api.nope.get()
    expect(missing.status).toBe(404)
    // @ts-expect-error: `text` is a string
    const wrong = await api.api.messages.post({ text: 42 })
    expect(wrong.status).toBe(400)
  })
})
