import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type LocalIssuer, startLocalIssuer } from '@repo/testing'
import { audience, createTestApi, request } from './helpers.ts'

/** An audience the issuer also serves, but not this API. */
const anotherAudience = 'https://another-api.local.test'

// The whole flow with the real OpenID Provider of apps/issuer: no stub, no Auth0 account, no internet.
let issuer: LocalIssuer
let api: ReturnType<typeof createTestApi>

beforeAll(async () => {
  issuer = await startLocalIssuer({ audiences: [audience, anotherAudience] })
  api = createTestApi(issuer)
})
afterAll(async () => {
  api.runtime.keySet.close()
  await issuer.stop()
})

describe('API + development issuer, client_credentials end to end', () => {
  test('a token with read:messages opens all three routes', async () => {
    const token = await issuer.token({ audience })
    expect((await request(api.app, '/api/public')).status).toBe(200)
    const privateResult = await request(api.app, '/api/private', { token })
    expect(privateResult.status).toBe(200)
    expect(privateResult.body).toMatchObject({ iss: issuer.baseUrl, aud: audience, client_id: 'local-client' })
    const scoped = await request(api.app, '/api/private-scoped', { token })
    expect(scoped.status).toBe(200)
    expect(scoped.body).toMatchObject({ scope: 'read:messages write:messages' })
  })

  test('a token without read:messages: 200 on /api/private, 403 on /api/private-scoped', async () => {
    const token = await issuer.token({ audience, clientId: 'limited-client', clientSecret: 'limited-secret' })
    expect((await request(api.app, '/api/private', { token })).status).toBe(200)
    const scoped = await request(api.app, '/api/private-scoped', { token })
    expect(scoped.status).toBe(403)
    expect(scoped.challenge).toContain('scope="read:messages"')
  })

  test('a token the issuer made for another audience is refused', async () => {
    const token = await issuer.token({ audience: anotherAudience })
    const result = await request(api.app, '/api/private', { token })
    expect(result.status).toBe(401)
    // The expected audience is public (the resource metadata names it too): the hint a developer needs.
    expect(result.challenge).toContain(
      `error_description="The access token is not meant for this API: ask for a token with the audience ${audience}"`,
    )
  })

  test('the API is ready once it has the issuer’s keys', async () => {
    await api.runtime.keySet.refresh()
    expect((await request(api.app, '/readyz')).status).toBe(200)
  })
})
