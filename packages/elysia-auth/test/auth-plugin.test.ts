import { describe, expect, test } from 'bun:test'
import {
  type AccessRequirement,
  type AccessTokenPrincipal,
  type Authenticator,
  assertAccess,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
  toAuthErrorResponse,
} from '@repo/access-token'
import { Elysia, t } from 'elysia'
import { createAuthPlugin, declaredScopes } from '../src/index.ts'

// The glue only: extraction and verification rules are @repo/access-token's, tested there. A stub authenticator
// lets the Authorization header decide the outcome.
function stubAuthenticator(): Authenticator & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    schemes: ['bearer'],
    respond: (error) => toAuthErrorResponse(error),
    async authenticate(request, requirement?: AccessRequirement): Promise<AccessTokenPrincipal> {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '')
      calls.push(token ?? '(none)')
      if (token === undefined) throw new MissingCredentialsError()
      if (token === 'expired') throw new InvalidTokenError('expired')
      if (token === 'outage') throw new IssuerUnavailableError('timeout', 4)
      if (token === 'bug') throw new TypeError('library internals: secret detail')
      const principal = {
        claims: { iss: 'https://issuer/', aud: 'api', exp: 1, sub: token },
        scopes: new Set(token === 'reader' ? ['read:messages'] : []),
        permissions: new Set<string>(),
      }
      if (requirement !== undefined) assertAccess(principal, requirement)
      return principal
    },
  }
}

function createTestApp(authenticator = stubAuthenticator()) {
  const app = new Elysia()
    .use(createAuthPlugin({ authenticator }))
    // The app's own catch-all, as apps/api has: what the plugin does not render is a generic 500 or 4xx.
    .onError(({ code }) =>
      code === 'VALIDATION' || code === 'PARSE'
        ? Response.json({ error: 'invalid_request' }, { status: code === 'PARSE' ? 400 : 422 })
        : Response.json({ error: 'server_error' }, { status: 500 }),
    )
    .get('/open', () => 'open')
    .get('/any', ({ auth }) => ({ sub: auth.claims.sub }), { auth: true })
    .get('/response', ({ auth }) => Response.json({ sub: auth.claims.sub }), { auth: true })
    .get('/redirect', () => Response.redirect('https://elsewhere.example/'), { auth: true })
    .get('/scoped', ({ auth }) => ({ sub: auth.claims.sub }), { auth: { scopes: ['read:messages'] } })
    .post('/messages', ({ auth, body }) => ({ sub: auth.claims.sub, text: body.text }), {
      auth: true,
      body: t.Object({ text: t.String({ maxLength: 10 }) }),
    })
  return { app, authenticator }
}

async function call(app: { handle(request: Request): Promise<Response> }, request: Request) {
  const response = await app.handle(request)
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    challenge: response.headers.get('www-authenticate'),
    text,
  }
}

const get = (path: string, token?: string) =>
  new Request(`http://localhost${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

const post = (body: string, token?: string) =>
  new Request('http://localhost/messages', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
  })

describe('createAuthPlugin', () => {
  test('public routes are untouched', async () => {
    const { app, authenticator } = createTestApp()
    expect((await call(app, get('/open'))).text).toBe('open')
    expect(authenticator.calls).toEqual([])
  })

  test('a valid token reaches the handler as a typed principal, once per request, with no-store', async () => {
    const { app, authenticator } = createTestApp()
    const result = await call(app, get('/any', 'alice'))
    expect(result.status).toBe(200)
    expect(JSON.parse(result.text)).toEqual({ sub: 'alice' })
    expect(result.headers.get('cache-control')).toBe('no-store')
    expect(authenticator.calls).toEqual(['alice'])
  })

  test('no-store on every answer a token produced: an object, a Response, a redirect', async () => {
    const { app } = createTestApp()
    const made = await call(app, get('/response', 'alice'))
    expect(made.status).toBe(200)
    expect(JSON.parse(made.text)).toEqual({ sub: 'alice' })
    expect(made.headers.get('cache-control')).toBe('no-store')
    const redirect = await call(app, get('/redirect', 'alice'))
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe('https://elsewhere.example/')
    expect(redirect.headers.get('cache-control')).toBe('no-store')
  })

  test('auth errors are rendered in one place: status, challenge, JSON body, no-store', async () => {
    const { app } = createTestApp()
    const missing = await call(app, get('/any'))
    expect(missing).toMatchObject({ status: 401, challenge: 'Bearer realm="api"' })
    expect(JSON.parse(missing.text)).toEqual({ error: 'unauthorized', error_description: 'Authentication required' })
    expect(missing.headers.get('content-type')).toContain('application/json')
    expect(missing.headers.get('cache-control')).toBe('no-store')
    const expired = await call(app, get('/any', 'expired'))
    expect(expired.status).toBe(401)
    expect(expired.challenge).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
    const scoped = await call(app, get('/scoped', 'alice'))
    expect(scoped.status).toBe(403)
    expect(scoped.challenge).toEndWith('scope="read:messages"')
    expect((await call(app, get('/scoped', 'reader'))).status).toBe(200)
    const outage = await call(app, get('/any', 'outage'))
    expect(outage).toMatchObject({ status: 503, challenge: null })
    expect(outage.headers.get('retry-after')).toBe('4')
  })

  test('a refusal keeps the headers an earlier hook put on `set` (CORS does), its own winning', async () => {
    const app = new Elysia()
      .onRequest(({ set }) => {
        set.headers['x-early'] = 'kept'
        set.headers['cache-control'] = 'public, max-age=600'
      })
      .use(createAuthPlugin({ authenticator: stubAuthenticator() }))
      .get('/any', () => 'ok', { auth: true })
    for (const token of [undefined, 'expired']) {
      const refused = await call(app, get('/any', token))
      expect(refused.status).toBe(401)
      expect(refused.challenge).toStartWith('Bearer realm="api"')
      expect(refused.headers.get('x-early')).toBe('kept')
      expect(refused.headers.get('cache-control')).toBe('no-store')
      expect(refused.headers.get('content-type')).toContain('application/json')
      expect(JSON.parse(refused.text)).toHaveProperty('error')
    }
  })

  test('an answer kept for many refusals is sent afresh each time: one response’s headers do not reach the next', async () => {
    // A real authenticator keeps one frozen answer per kind of refusal; the plugin builds each Response from it.
    const stub = stubAuthenticator()
    const kept = Object.freeze(toAuthErrorResponse(new MissingCredentialsError()))
    const { app } = createTestApp({ ...stub, respond: () => kept })
    const first = await app.handle(get('/any'))
    first.headers.set('x-changed', 'by the first')
    first.headers.set('www-authenticate', 'Changed')
    const second = await call(app, get('/any'))
    expect(second).toMatchObject({ status: 401, challenge: 'Bearer realm="api"' })
    expect(second.headers.get('x-changed')).toBeNull()
  })

  test('a handler never runs without a principal: a lost one is a 500, not an anonymous request', async () => {
    let reached = false
    const app = new Elysia()
      .use(createAuthPlugin({ authenticator: stubAuthenticator() }))
      // Stands in for a transform Elysia did not await: the context has no principal when `resolve` runs. A
      // macro's hooks run after the route's own, in the order of the options' keys: this one after `auth`'s.
      .macro('losePrincipal', {
        transform(context) {
          delete (context as { auth?: unknown }).auth
        },
      })
      .onError(() => Response.json({ error: 'server_error' }, { status: 500 }))
      .get(
        '/lost',
        () => {
          reached = true
          return 'reached'
        },
        { auth: true, losePrincipal: true },
      )
    const result = await call(app, get('/lost', 'alice'))
    expect(result.status).toBe(500)
    expect(reached).toBe(false)
  })

  test('a fault that is not an auth error is not rendered as one: it reaches the app’s 500 path', async () => {
    const { app } = createTestApp()
    const result = await call(app, get('/any', 'bug'))
    expect(result.status).toBe(500)
    expect(result.text).not.toContain('secret detail')
    expect(result.challenge).toBeNull()
  })
})

describe('authentication comes before the body', () => {
  test('no token: 401, not the 400 of a broken body, and the body is never read', async () => {
    const { app } = createTestApp()
    const request = post('{not json')
    const result = await call(app, request)
    expect(result).toMatchObject({ status: 401, challenge: 'Bearer realm="api"' })
    expect(request.bodyUsed).toBe(false)
  })

  test('no token: 401, not the 422 of a body that fails its schema', async () => {
    const { app } = createTestApp()
    expect((await call(app, post('{"text":"far too long for the schema"}'))).status).toBe(401)
  })

  test('a bad token: 401, and the body is never read', async () => {
    const { app } = createTestApp()
    const request = post('{"text":"hi"}', 'expired')
    expect((await call(app, request)).status).toBe(401)
    expect(request.bodyUsed).toBe(false)
  })

  test('a valid token with a bad body: 400 or 422 from validation; with a good body: the handler', async () => {
    const { app, authenticator } = createTestApp()
    expect((await call(app, post('{not json', 'alice'))).status).toBe(400)
    expect((await call(app, post('{"text":"far too long for the schema"}', 'alice'))).status).toBe(422)
    const ok = await call(app, post('{"text":"hi"}', 'alice'))
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.text)).toEqual({ sub: 'alice', text: 'hi' })
    expect(authenticator.calls).toEqual(['alice', 'alice', 'alice']) // once per request
  })
})

describe('declaration and deduplication', () => {
  test('a bad requirement fails when the route is declared', () => {
    expect(() =>
      new Elysia().use(createAuthPlugin({ authenticator: stubAuthenticator() })).get('/x', () => 'x', {
        auth: { scopes: ['read messages'] },
      }),
    ).toThrow('"scopes"')
  })

  test('two apps with different authenticators in one process keep their own', async () => {
    const first = createTestApp()
    const second = createTestApp()
    await call(first.app, get('/any', 'one'))
    await call(second.app, get('/any', 'two'))
    expect(first.authenticator.calls).toEqual(['one'])
    expect(second.authenticator.calls).toEqual(['two'])
  })

  test('the plugin used twice over one authenticator registers once', async () => {
    const authenticator = stubAuthenticator()
    const plugin = createAuthPlugin({ authenticator })
    const app = new Elysia()
      .use(plugin)
      .use(new Elysia().use(createAuthPlugin({ authenticator })))
      .get('/any', () => 'ok', { auth: true })
    expect((await call(app, get('/any', 'once'))).status).toBe(200)
    expect(authenticator.calls).toEqual(['once'])
  })
})

describe('OpenAPI security requirements', () => {
  const securityOf = (app: { routes: { path: string; hooks: unknown }[] }, path: string) => {
    const hooks = app.routes.find((route) => route.path === path)?.hooks as { detail?: { security?: unknown } }
    return hooks.detail?.security
  }

  test('the bearer scheme alone by default', () => {
    const { app } = createTestApp()
    expect(securityOf(app, '/scoped')).toEqual([{ bearerAuth: [] }])
    expect(securityOf(app, '/open')).toBeUndefined()
  })

  test('with an OAuth 2.0 scheme: either scheme, the OAuth one listing the scopes and permissions required', () => {
    const app = new Elysia()
      .use(createAuthPlugin({ authenticator: stubAuthenticator(), oauth2SecurityScheme: 'oauth2' }))
      .get('/any', () => 'x', { auth: true })
      .get('/both', () => 'x', { auth: { scopes: ['read:messages'], permissions: ['audit:logs', 'read:messages'] } })
    expect(securityOf(app, '/any')).toEqual([{ bearerAuth: [] }, { oauth2: [] }])
    expect(securityOf(app, '/both')).toEqual([{ bearerAuth: [] }, { oauth2: ['read:messages', 'audit:logs'] }])
  })
})

describe('DPoP and discovery glue', () => {
  test('errors are rendered by the authenticator, for the request that failed', async () => {
    const seen: string[] = []
    const authenticator: Authenticator = {
      ...stubAuthenticator(),
      respond(error, request) {
        seen.push(request.url)
        return toAuthErrorResponse(error, { resourceMetadata: 'https://api.example.test/.well-known/x' })
      },
    }
    const app = new Elysia().use(createAuthPlugin({ authenticator })).get('/any', () => 'ok', { auth: true })
    const result = await call(app, get('/any'))
    expect(result.challenge).toBe('Bearer realm="api", resource_metadata="https://api.example.test/.well-known/x"')
    expect(seen).toEqual(['http://localhost/any'])
  })

  test('a refusal is sent as Response.json would send its body; only a frozen body’s text is reused', async () => {
    const body = { error: 'invalid_token', error_description: 'first' }
    const authenticator: Authenticator = {
      ...stubAuthenticator(),
      respond: () => ({ status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' }, body }),
    }
    const app = new Elysia().use(createAuthPlugin({ authenticator })).get('/any', () => 'ok', { auth: true })
    const first = await call(app, get('/any'))
    const expected = Response.json(body)
    expect(first.text).toBe(await expected.text())
    expect(first.headers.get('content-type')).toBe(expected.headers.get('content-type'))
    body.error_description = 'second'
    expect(JSON.parse((await call(app, get('/any'))).text)).toMatchObject({ error_description: 'second' })
    Object.freeze(body)
    expect((await call(app, get('/any'))).text).toBe((await call(app, get('/any'))).text)
  })

  test('a fresh nonce of the principal goes out as DPoP-Nonce, with no-store', async () => {
    const authenticator: Authenticator = {
      ...stubAuthenticator(),
      authenticate: async () => ({
        claims: { iss: 'https://issuer/', aud: 'api', exp: 1 },
        scopes: new Set<string>(),
        permissions: new Set<string>(),
        dpop: { jkt: 'thumbprint', nonce: 'next-nonce' },
      }),
    }
    const app = new Elysia().use(createAuthPlugin({ authenticator })).get('/any', () => 'ok', { auth: true })
    const result = await call(app, get('/any'))
    expect(result.headers.get('dpop-nonce')).toBe('next-nonce')
    expect(result.headers.get('cache-control')).toBe('no-store')
  })

  test('protected routes list every scheme the authenticator accepts, as alternatives', async () => {
    const authenticator: Authenticator = { ...stubAuthenticator(), schemes: ['bearer', 'dpop'] }
    const plugin = createAuthPlugin({ authenticator, securitySchemes: { dpop: 'DPoP' } })
    const app = new Elysia().use(plugin).get('/any', () => 'ok', { auth: true })
    const route = app.routes.find((r) => r.path === '/any')
    expect(route?.hooks.detail).toMatchObject({ security: [{ bearerAuth: [] }, { DPoP: [] }] })
  })

  test('declaredScopes: every scope the routes require, once, sorted, as soon as they are declared', () => {
    const plugin = createAuthPlugin({ authenticator: stubAuthenticator() })
    new Elysia()
      .use(plugin)
      .get('/a', () => 'a', { auth: { scopes: ['write:messages', 'read:messages'] } })
      .use(new Elysia().use(plugin).get('/b', () => 'b', { auth: { scopes: ['read:messages'] } }))
      .get('/c', () => 'c', { auth: { permissions: ['delete:messages'] } })
      .get('/d', () => 'd', { auth: true })
    expect(declaredScopes(plugin)).toEqual(['read:messages', 'write:messages'])
    expect(declaredScopes({})).toEqual([])
  })
})
