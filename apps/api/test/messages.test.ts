import { describe, expect, test } from 'bun:test'
import type { AccessTokenClaims, Authenticator } from '@repo/access-token'
import { createApp } from '../src/app.ts'
import {
  audience,
  challengeOf,
  errorParams,
  RESOURCE_METADATA,
  request,
  stubAppDependencies,
  useTestApi,
} from './helpers.ts'

const ctx = useTestApi()

describe('GET /api/public', () => {
  test('answers the tutorial message, byte for byte', async () => {
    const result = await request(ctx.api.app, '/api/public')
    expect(result.status).toBe(200)
    expect(result.text).toBe(
      `{"status":"success","msg":"Hello from a public endpoint! You don't need to be authenticated to see this."}`,
    )
  })
})

describe('GET /api/private', () => {
  test('a valid token: 200 with its claims', async () => {
    const token = await ctx.issuer.mint({ sub: 'user-1', azp: 'client-1' })
    const result = await request(ctx.api.app, '/api/private', { token })
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ iss: ctx.issuer.issuer, sub: 'user-1', aud: audience, azp: 'client-1' })
    expect(result.headers.get('cache-control')).toBe('no-store')
  })

  test('the claims are sent as Response.json would send them, made once per principal only when frozen', async () => {
    const token = await ctx.issuer.mint({ sub: 'user-1', note: 'é "quoted" \u2028' })
    const first = await request(ctx.api.app, '/api/private', { token })
    const again = await request(ctx.api.app, '/api/private', { token })
    expect(first.headers.get('content-type')).toBe('application/json;charset=utf-8')
    expect(again.text).toBe(first.text)
    expect(first.text).toBe(await Response.json(first.body).text())
    // A principal whose claims are not frozen (another authenticator's) is serialised on every request.
    const claims = { iss: 'https://issuer.example.test/', aud: audience, exp: 1, sub: 'before' } as AccessTokenClaims
    const principal = { claims, scopes: new Set<string>(), permissions: new Set<string>() }
    const authenticator: Authenticator = { ...stubAppDependencies().authenticator, authenticate: async () => principal }
    const app = createApp(stubAppDependencies({ authenticator }))
    expect((await request(app, '/api/private')).body).toMatchObject({ sub: 'before' })
    ;(claims as { sub: string }).sub = 'after'
    expect((await request(app, '/api/private')).body).toMatchObject({ sub: 'after' })
  })

  test('no token: 401 with the bare challenges (never 400), naming the resource metadata', async () => {
    const result = await request(ctx.api.app, '/api/private')
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf())
    expect(result.body).toEqual({ error: 'unauthorized', error_description: 'Authentication required' })
  })

  test('a malformed credential: 400 invalid_request with its challenge and body', async () => {
    const description = 'Access tokens are not accepted in the query string'
    const result = await request(ctx.api.app, '/api/private?access_token=abc')
    expect(result.status).toBe(400)
    expect(result.challenge).toBe(challengeOf(errorParams('invalid_request', description)))
    expect(result.body).toEqual({ error: 'invalid_request', error_description: description })
  })

  test('an expired token: 401 invalid_token, generic description, token not echoed', async () => {
    const token = await ctx.issuer.mint({ exp: Math.floor(Date.now() / 1000) - 60 })
    const result = await request(ctx.api.app, '/api/private', { token })
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf(errorParams('invalid_token', 'The access token expired')))
    expect(result.text).not.toContain(token.split('.')[1] as string)
  })
})

describe('GET /api/private-scoped', () => {
  test('with read:messages: 200 with the claims', async () => {
    const token = await ctx.issuer.mint({ scope: 'openid read:messages' })
    const result = await request(ctx.api.app, '/api/private-scoped', { token })
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ scope: 'openid read:messages' })
  })

  test('without read:messages: 403 insufficient_scope naming the scope', async () => {
    const token = await ctx.issuer.mint({ scope: 'read:other' })
    const result = await request(ctx.api.app, '/api/private-scoped', { token })
    expect(result.status).toBe(403)
    // The client authenticated with Bearer: only that challenge, with the scope to step up to (MCP 2025-11-25).
    expect(result.challenge).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required scope", scope="read:messages", ${RESOURCE_METADATA}`,
    )
    expect(result.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not grant the required scope',
    })
  })

  test('an invalid token is 401 before any scope check', async () => {
    const token = await ctx.issuer.mint({ scope: 'read:messages', aud: 'https://other' })
    expect((await request(ctx.api.app, '/api/private-scoped', { token })).status).toBe(401)
  })
})

describe('other routes', () => {
  test('a known path with another method: 405 with Allow (RFC 9110 §15.5.6); unknown paths stay 404', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/api/private', 'GET'],
      ['GET', '/api/messages', 'POST'],
      ['POST', '/api/public', 'GET'],
    ] as const) {
      const result = await request(ctx.api.app, path, { method })
      expect({ path, status: result.status, allow: result.headers.get('allow') }).toEqual({ path, status: 405, allow })
      expect(result.body).toEqual({ error: 'method_not_allowed', error_description: `This route answers ${allow}` })
    }
    expect((await request(ctx.api.app, '/api/private/extra', { method: 'DELETE' })).status).toBe(404)
  })

  test('unknown paths: 404 JSON', async () => {
    const result = await request(ctx.api.app, '/nope')
    expect(result.status).toBe(404)
    expect(result.body).toEqual({ error: 'not_found', error_description: 'No such route' })
  })

  test('/healthz is always 200', async () => {
    expect((await request(ctx.api.app, '/healthz')).body).toEqual({ status: 'ok' })
  })
})
