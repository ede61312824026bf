import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { RunningIssuer } from '../src/server.ts'
import { audience, startTestIssuer } from './helpers.ts'

// What Swagger UI's "Authorize" sends from the API's origin: a preflight, then a form POST with HTTP Basic
// client authentication and `X-Requested-With`.
let open: RunningIssuer
let restricted: RunningIssuer
beforeAll(async () => {
  ;[open, restricted] = await Promise.all([
    startTestIssuer(),
    startTestIssuer({ ISSUER_CORS_ORIGINS: 'http://localhost:8000' }),
  ])
})
afterAll(() => Promise.all([open.close(), restricted.close()]))

const preflight = (issuer: RunningIssuer, origin: string) =>
  fetch(`${issuer.url}/oauth/token`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-requested-with',
    },
  })

const tokenRequest = (issuer: RunningIssuer, origin: string) =>
  fetch(`${issuer.url}/oauth/token`, {
    method: 'POST',
    headers: {
      origin,
      authorization: `Basic ${btoa('local-client:local-secret')}`,
      'content-type': 'application/x-www-form-urlencoded',
      'x-requested-with': 'XMLHttpRequest',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:messages', audience }),
  })

describe('CORS on the token endpoint', () => {
  test('by default any origin may ask for a token from a browser (development only)', async () => {
    const origin = 'http://127.0.0.1:41234'
    const answer = await preflight(open, origin)
    expect(answer.status).toBe(204)
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin)
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST')
    expect(answer.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-requested-with')
    const response = await tokenRequest(open, origin)
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(origin)
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', scope: 'read:messages' })
  })

  test('ISSUER_CORS_ORIGINS: only the origins listed get a token; the others are refused without CORS headers', async () => {
    const allowed = await tokenRequest(restricted, 'http://localhost:8000')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8000')
    const refused = await tokenRequest(restricted, 'http://localhost:8001')
    expect(refused.status).toBe(400)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    expect(await refused.json()).toMatchObject({ error: 'invalid_request' })
  })
})
