import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { DEFAULT_CLIENTS, loadIssuerConfig } from '../src/issuer-config.ts'
import { type RunningIssuer, startIssuer } from '../src/server.ts'

let issuer: RunningIssuer
const audience = 'https://api.local.test'

beforeAll(async () => {
  issuer = await startIssuer({
    ...loadIssuerConfig({ ISSUER_URL: 'http://issuer.test:9000' }),
    port: 0,
    host: '127.0.0.1',
  })
})
afterAll(() => issuer.close())

async function token(body: Record<string, string>, json = false) {
  const response = await fetch(`${issuer.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(body) : new URLSearchParams(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const localClient = { client_id: 'local-client', client_secret: 'local-secret', grant_type: 'client_credentials' }

describe('the development issuer', () => {
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
    const { status, body } = await token({ ...localClient, audience })
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
  })

  test('a JSON body works too, and a requested scope narrows the token', async () => {
    const { status, body } = await token({ ...localClient, audience, scope: 'read:messages' }, true)
    expect(status).toBe(200)
    expect(body.scope).toBe('read:messages')
  })

  test('a scope the client is not allowed is refused', async () => {
    const { status, body } = await token({
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
    const { status, body } = await token({ ...localClient, client_secret: 'nope', audience })
    expect(status).toBe(401)
    expect(body.error).toBe('invalid_client')
  })
})

describe('loadIssuerConfig', () => {
  test('documented defaults', () => {
    const config = loadIssuerConfig({})
    expect(config).toMatchObject({ issuer: 'http://localhost:9000', port: 9000, accessTokenTtlSeconds: 3600 })
    expect(config.clients).toEqual(DEFAULT_CLIENTS)
    expect(loadIssuerConfig({ ISSUER_CLIENTS: '', ISSUER_URL: ' ' })).toEqual(config)
  })

  test('clients from ISSUER_CLIENTS', () => {
    const config = loadIssuerConfig({
      ISSUER_CLIENTS: '[{"client_id":"a","client_secret":"b","scope":"read:messages  x"}]',
    })
    expect(config.clients).toEqual([{ clientId: 'a', clientSecret: 'b', scopes: ['read:messages', 'x'] }])
    expect(() => loadIssuerConfig({ ISSUER_CLIENTS: 'nope' })).toThrow('ISSUER_CLIENTS must be JSON')
    expect(() => loadIssuerConfig({ ISSUER_CLIENTS: '[{"client_id":"a","client_secret":"b"}]' })).toThrow(
      'non-empty "scope"',
    )
  })
})
