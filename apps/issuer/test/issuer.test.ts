import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import type { RunningIssuer } from '../src/server.ts'
import { audience, localClient, requestToken, startTestIssuer } from './helpers.ts'

let issuer: RunningIssuer
let derived: RunningIssuer

beforeAll(async () => {
  ;[issuer, derived] = await Promise.all([
    startTestIssuer({ ISSUER_URL: 'http://issuer.test:9000', ISSUER_AUDIENCES: `${audience},urn:example:other-api` }),
    startTestIssuer(),
  ])
})
afterAll(() => Promise.all([issuer.close(), derived.close()]))

describe('the development issuer', () => {
  test('port 0 without ISSUER_URL: the identifier is derived from the bound port', async () => {
    expect(derived.port).toBeGreaterThan(0)
    expect(derived.issuer).toBe(`http://127.0.0.1:${derived.port}`)
    const doc = (await (await fetch(`${derived.url}/.well-known/openid-configuration`)).json()) as { issuer: string }
    expect(doc.issuer).toBe(derived.issuer)
    const { body } = await requestToken(derived, { ...localClient, audience })
    const jwks = createRemoteJWKSet(new URL(`${derived.url}/.well-known/jwks.json`))
    await jwtVerify(String(body.access_token), jwks, { issuer: derived.issuer, audience })
  })

  test('serves discovery with its fixed issuer, whatever host name was used', async () => {
    const doc = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >
    expect(doc.issuer).toBe('http://issuer.test:9000')
    expect(doc.token_endpoint).toBe(`${issuer.url}/oauth/token`)
    expect(doc.jwks_uri).toBe(`${issuer.url}/.well-known/jwks.json`)
    expect(doc.grant_types_supported).toContain('client_credentials')
  })

  test('client_credentials as in the Auth0 tutorial (form, audience): an RS256 JWT for that audience', async () => {
    const { status, body } = await requestToken(issuer, { ...localClient, audience })
    expect(status).toBe(200)
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:messages write:messages' })
    const accessToken = String(body.access_token)
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' })
    const jwks = createRemoteJWKSet(new URL(`${issuer.url}/.well-known/jwks.json`))
    const { payload } = await jwtVerify(accessToken, jwks, { issuer: 'http://issuer.test:9000', audience })
    expect(payload).toMatchObject({
      client_id: 'local-client',
      scope: 'read:messages write:messages',
      permissions: ['read:messages', 'write:messages'],
    })
    expect(payload.cnf).toBeUndefined()
  })

  test('a JSON body works too, and a requested scope narrows the token', async () => {
    const { status, body } = await requestToken(
      issuer,
      { ...localClient, audience, scope: 'read:messages' },
      { json: true },
    )
    expect(status).toBe(200)
    expect(body.scope).toBe('read:messages')
  })

  test('HTTP Basic client authentication, `resource` instead of `audience`: every allowed scope as well', async () => {
    const { status, body } = await requestToken(
      issuer,
      { grant_type: 'client_credentials', resource: 'urn:example:other-api' },
      { headers: { authorization: `Basic ${btoa('limited-client:limited-secret')}` } },
    )
    expect(status).toBe(200)
    expect(body.scope).toBe('write:messages')
  })

  test('a scope the client is not allowed is refused', async () => {
    const { status, body } = await requestToken(issuer, {
      client_id: 'limited-client',
      client_secret: 'limited-secret',
      grant_type: 'client_credentials',
      audience,
      scope: 'read:messages',
    })
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_scope')
  })

  test('a wrong secret is refused', async () => {
    const { status, body } = await requestToken(issuer, { ...localClient, client_secret: 'nope', audience })
    expect(status).toBe(401)
    expect(body.error).toBe('invalid_client')
  })
})

describe('audiences, as Auth0 answers them', () => {
  test('an audience (or resource) that is not a configured API: 403 access_denied, no token', async () => {
    for (const body of [
      { ...localClient, audience: 'https://another-api.local.test' },
      { ...localClient, resource: 'https://another-api.local.test' },
    ]) {
      const result = await requestToken(issuer, body, { json: true })
      expect(result.status).toBe(403)
      expect(result.body).toEqual({
        error: 'access_denied',
        error_description: 'Service not found: https://another-api.local.test',
      })
    }
  })

  test('no audience at all: 403 access_denied', async () => {
    const result = await requestToken(issuer, { ...localClient })
    expect(result.status).toBe(403)
    expect(result.body).toEqual({
      error: 'access_denied',
      error_description: 'No audience parameter was provided, and no default audience has been configured',
    })
  })

  test('client authentication comes first', async () => {
    const result = await requestToken(issuer, { ...localClient, client_secret: 'nope', audience: 'https://x.test' })
    expect(result.status).toBe(401)
  })
})

describe('request bodies', () => {
  test('malformed JSON, a JSON array, a non-string value: 400 invalid_request', async () => {
    const cases: [string, string][] = [
      ['{"grant_type":', 'the request body is not valid JSON'],
      ['[]', 'the request body must be a JSON object'],
      ['{"grant_type":"client_credentials","scope":1}', 'the "scope" parameter must be a string'],
    ]
    for (const [text, description] of cases) {
      const response = await fetch(`${issuer.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({ error: 'invalid_request', error_description: description })
    }
  })

  test('a body over 56 KiB is refused, by its content-length or once that much has been read', async () => {
    const large = new URLSearchParams({ ...localClient, audience, padding: 'x'.repeat(57 * 1024) }).toString()
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < large.length; i += 8192)
          controller.enqueue(new TextEncoder().encode(large.slice(i, i + 8192)))
        controller.close()
      },
    })
    for (const body of [large, chunked]) {
      const response = await fetch(`${issuer.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'the request body is too large',
      })
    }
  })
})
