import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { createApp } from '../src/app.ts'
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../src/cors.ts'
import { silentLogger } from '../src/logger.ts'
import { audience, challengeOf, closeTestApis, createTestApi, request } from './helpers.ts'

const allowed = 'https://app.example.test'
let issuer: IssuerStub
let app: ReturnType<typeof createApp>
let withoutCors: ReturnType<typeof createApp>
/** Calls to the authenticator: a preflight must make none. */
let authentications = 0

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
  const { runtime } = createTestApi(issuer)
  const authenticator: typeof runtime.authenticator = {
    ...runtime.authenticator,
    authenticate(...args) {
      authentications += 1
      return runtime.authenticator.authenticate(...args)
    },
  }
  const cors = { origins: [allowed, 'http://localhost:5173'] }
  app = createApp({ ...runtime, authenticator, logger: silentLogger, cors })
  withoutCors = createApp({ ...runtime, logger: silentLogger })
})
afterAll(async () => {
  closeTestApis()
  await issuer.close()
})

const corsHeaders = (headers: Headers) =>
  Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-')))

/** What a browser sends before a cross-origin call with a credential: no token, only the intent. */
const preflight = (path: string, origin: string, method = 'GET') =>
  request(app, path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization' },
  })

describe('CORS_ORIGINS set', () => {
  test('an allowed origin: its origin echoed, the challenge and retry headers exposed, no credentials mode', async () => {
    const result = await request(app, '/api/public', { headers: { origin: allowed } })
    expect(result.status).toBe(200)
    expect(corsHeaders(result.headers)).toEqual({
      'access-control-allow-origin': allowed,
      'access-control-expose-headers': CORS_EXPOSED_HEADERS,
    })
    expect(result.headers.get('vary')).toBe('Origin')
  })

  test('a preflight for a protected route needs no token: 204 with the allowed headers, before any auth hook', async () => {
    for (const [path, method] of [
      ['/api/private-scoped', 'GET'],
      ['/api/messages', 'POST'],
    ] as const) {
      authentications = 0
      const result = await preflight(path, allowed, method)
      expect(authentications).toBe(0)
      expect(result.status).toBe(204)
      expect(result.challenge).toBeNull()
      expect(result.text).toBe('')
      expect(corsHeaders(result.headers)).toEqual({
        'access-control-allow-origin': allowed,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': CORS_ALLOWED_HEADERS,
        'access-control-max-age': '600',
      })
      expect(CORS_ALLOWED_HEADERS.split(', ')).toEqual(['authorization', 'dpop', 'content-type'])
    }
  })

  test('the actual request: CORS headers on the 401, 403 and 200 of a protected route too', async () => {
    authentications = 0
    const missing = await request(app, '/api/private', { headers: { origin: allowed } })
    expect(authentications).toBe(1)
    expect(missing.status).toBe(401)
    expect(missing.challenge).toBe(challengeOf())
    expect(corsHeaders(missing.headers)).toEqual({
      'access-control-allow-origin': allowed,
      'access-control-expose-headers': CORS_EXPOSED_HEADERS,
    })
    expect(CORS_EXPOSED_HEADERS.split(', ')).toEqual(['www-authenticate', 'dpop-nonce', 'retry-after'])

    const limited = await issuer.mint({ scope: 'write:messages' })
    const forbidden = await request(app, '/api/private-scoped', { token: limited, headers: { origin: allowed } })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('access-control-allow-origin')).toBe(allowed)

    const token = await issuer.mint({ scope: 'read:messages' })
    const ok = await request(app, '/api/private-scoped', { token, headers: { origin: allowed } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed)
    expect(ok.headers.get('cache-control')).toBe('no-store')
  })

  test('a disallowed origin gets no CORS headers at all, and its preflight is not answered', async () => {
    for (const origin of ['https://evil.example.test', 'https://app.example.test.evil.test', 'null', 'constructor']) {
      const result = await request(app, '/api/private', { headers: { origin } })
      expect(result.status).toBe(401)
      expect(corsHeaders(result.headers)).toEqual({})
      expect(result.headers.get('vary')).toBe('Origin')
      const refused = await preflight('/api/private', origin)
      expect(refused.status).toBe(405) // no OPTIONS route (Allow: GET), no CORS headers: the browser's preflight fails
      expect(corsHeaders(refused.headers)).toEqual({})
    }
  })

  test('origins match exactly: scheme and port count', async () => {
    for (const origin of ['http://app.example.test', 'https://app.example.test:8443', 'http://localhost:5174']) {
      const result = await request(app, '/api/public', { headers: { origin } })
      expect(result.headers.get('access-control-allow-origin')).toBeNull()
    }
    const local = await request(app, '/api/public', { headers: { origin: 'http://localhost:5173' } })
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
  })
})

describe('CORS_ORIGINS unset (the default)', () => {
  test('no CORS header and no Vary, whatever the origin; preflights are not answered', async () => {
    const result = await request(withoutCors, '/api/public', { headers: { origin: allowed } })
    expect(result.status).toBe(200)
    expect(corsHeaders(result.headers)).toEqual({})
    expect(result.headers.get('vary')).toBeNull()
    const refused = await request(withoutCors, '/api/private', {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'GET' },
    })
    expect(refused.status).toBe(405)
    expect(corsHeaders(refused.headers)).toEqual({})
  })
})
