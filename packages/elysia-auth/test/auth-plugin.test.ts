import { describe, expect, test } from 'bun:test'
import {
  type AccessTokenPrincipal,
  type AccessTokenVerifier,
  InvalidTokenError,
  IssuerUnavailableError,
} from '@repo/access-token'
import { Elysia } from 'elysia'
import { createAuthPlugin } from '../src/index.ts'

/** A verifier stub: the token text decides the outcome, so the plugin is tested without crypto. */
function stubVerifier(): AccessTokenVerifier & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async verify(token: string): Promise<AccessTokenPrincipal> {
      calls.push(token)
      if (token === 'expired') throw new InvalidTokenError('expired')
      if (token === 'outage') throw new IssuerUnavailableError('timeout', 4)
      if (token === 'boom') throw new Error('library internals: secret detail')
      const scopes = token === 'reader' ? ['read:messages'] : []
      return {
        claims: {
          iss: 'https://issuer/',
          aud: 'api',
          exp: 1,
          sub: token,
          org_id: token === 'reader' ? 'org_1' : 'org_2',
        },
        scopes: new Set(scopes),
        permissions: new Set(token === 'admin' ? ['delete:messages'] : []),
      }
    },
  }
}

function createTestApp(verifier = stubVerifier()) {
  const app = new Elysia()
    .use(createAuthPlugin({ verifier }))
    .get('/open', () => 'open')
    .get('/any', ({ auth }) => ({ sub: auth.claims.sub }), { auth: true })
    .get('/scoped', ({ auth }) => ({ sub: auth.claims.sub }), { auth: { scopes: ['read:messages'] } })
    .get('/permitted', () => 'ok', { auth: { permissions: ['delete:messages'] } })
    .get('/org', () => 'ok', { auth: { check: ({ claims }) => claims.org_id === 'org_1' } })
    .post('/form', () => 'ok', { auth: true })
  return { app, verifier }
}

async function call(app: { handle(request: Request): Promise<Response> }, path: string, init: RequestInit = {}) {
  const response = await app.handle(new Request(`http://localhost${path}`, init))
  const text = await response.text()
  return { status: response.status, challenge: response.headers.get('www-authenticate'), response, text }
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('createAuthPlugin', () => {
  test('public routes are untouched', async () => {
    const { app, verifier } = createTestApp()
    expect((await call(app, '/open')).text).toBe('open')
    expect(verifier.calls).toEqual([])
  })

  test('a valid token reaches the handler with typed claims', async () => {
    const { app } = createTestApp()
    const result = await call(app, '/any', bearer('alice'))
    expect(result.status).toBe(200)
    expect(JSON.parse(result.text)).toEqual({ sub: 'alice' })
  })

  test('no credentials: 401 with only the realm and a JSON body', async () => {
    const { app, verifier } = createTestApp()
    const result = await call(app, '/any')
    expect(result.status).toBe(401)
    expect(result.challenge).toBe('Bearer realm="api"')
    expect(JSON.parse(result.text)).toEqual({ error: 'unauthorized', error_description: 'Authentication required' })
    expect(result.response.headers.get('content-type')).toContain('application/json')
    expect(verifier.calls).toEqual([])
  })

  test('a malformed credential: 400 invalid_request', async () => {
    const { app } = createTestApp()
    const result = await call(app, '/any', { headers: { authorization: 'Bearer a b' } })
    expect(result.status).toBe(400)
    expect(result.challenge).toStartWith('Bearer realm="api", error="invalid_request"')
  })

  test('a token in the query or in a form body: 400 invalid_request', async () => {
    const { app } = createTestApp()
    expect((await call(app, '/any?access_token=alice')).status).toBe(400)
    const form = await call(app, '/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'access_token=alice',
    })
    expect(form.status).toBe(400)
    expect(form.challenge).toContain('error_description="Access tokens are not accepted in the request body"')
  })

  test('an invalid token: 401 invalid_token with a generic description', async () => {
    const { app } = createTestApp()
    const result = await call(app, '/any', bearer('expired'))
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
  })

  test('a missing scope: 403 insufficient_scope naming it', async () => {
    const { app } = createTestApp()
    expect((await call(app, '/scoped', bearer('reader'))).status).toBe(200)
    const result = await call(app, '/scoped', bearer('alice'))
    expect(result.status).toBe(403)
    expect(result.challenge).toContain('error="insufficient_scope"')
    expect(result.challenge).toEndWith('scope="read:messages"')
  })

  test('a missing permission: 403 naming it', async () => {
    const { app } = createTestApp()
    expect((await call(app, '/permitted', bearer('admin'))).status).toBe(200)
    const result = await call(app, '/permitted', bearer('reader'))
    expect(result.status).toBe(403)
    expect(result.challenge).toEndWith('scope="delete:messages"')
  })

  test('a failed custom check: 403, not 401', async () => {
    const { app } = createTestApp()
    expect((await call(app, '/org', bearer('reader'))).status).toBe(200)
    const result = await call(app, '/org', bearer('alice'))
    expect(result.status).toBe(403)
    expect(result.challenge).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant access to this resource"',
    )
  })

  test('an issuer outage: 503 with Retry-After and no challenge', async () => {
    const { app } = createTestApp()
    const result = await call(app, '/any', bearer('outage'))
    expect(result.status).toBe(503)
    expect(result.challenge).toBeNull()
    expect(result.response.headers.get('retry-after')).toBe('4')
  })

  test('a bad requirement fails when the route is declared', () => {
    expect(() =>
      new Elysia().use(createAuthPlugin({ verifier: stubVerifier() })).get('/x', () => 'x', {
        auth: { scopes: ['read messages'] },
      }),
    ).toThrow('"scopes"')
  })

  test('two apps with different verifiers in one process keep their own verifier', async () => {
    const first = createTestApp()
    const second = createTestApp()
    await call(first.app, '/any', bearer('one'))
    await call(second.app, '/any', bearer('two'))
    expect(first.verifier.calls).toEqual(['one'])
    expect(second.verifier.calls).toEqual(['two'])
  })

  test('two plugin instances over one verifier are deduplicated too', async () => {
    const verifier = stubVerifier()
    const app = new Elysia()
      .use(createAuthPlugin({ verifier }))
      .use(createAuthPlugin({ verifier }))
      .get('/any', () => 'ok', { auth: true })
    await call(app, '/any', bearer('once'))
    expect(verifier.calls).toEqual(['once'])
  })

  test('the plugin is deduplicated when used twice in one app', async () => {
    const verifier = stubVerifier()
    const plugin = createAuthPlugin({ verifier })
    const app = new Elysia()
      .use(plugin)
      .use(new Elysia().use(plugin))
      .get('/any', () => 'ok', { auth: true })
    await call(app, '/any', bearer('once'))
    expect(verifier.calls).toEqual(['once'])
  })
})
