import { describe, expect, test } from 'bun:test'
import { generateTestKey } from '@repo/testing'
import { audience, challengeOf, errorParams, RESOURCE_METADATA, request, useTestApi } from './helpers.ts'

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

  test('no token: 401 with the bare challenges (never 400), naming the resource metadata', async () => {
    const result = await request(ctx.api.app, '/api/private')
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf())
    expect(result.body).toEqual({ error: 'unauthorized', error_description: 'Authentication required' })
  })

  test('another scheme: 401 with the bare challenges', async () => {
    const result = await request(ctx.api.app, '/api/private', { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf())
  })

  test.each([
    ['an empty token', { headers: { authorization: 'Bearer ' } }, '/api/private', 'The bearer token is empty'],
    [
      'a token with spaces',
      { headers: { authorization: 'Bearer abc def' } },
      '/api/private',
      'The Authorization header is not a valid bearer credential',
    ],
    [
      'a token in the query string',
      {},
      '/api/private?access_token=abc',
      'Access tokens are not accepted in the query string',
    ],
    [
      'two methods at once',
      { headers: { authorization: 'Bearer abc' } },
      '/api/private?access_token=abc',
      'The request uses more than one method to send an access token',
    ],
  ])('%s: 400 invalid_request', async (_name, init, path, description) => {
    const result = await request(ctx.api.app, path, init)
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

  test('a token for another audience: 401 invalid_token', async () => {
    const result = await request(ctx.api.app, '/api/private', {
      token: await ctx.issuer.mint({ aud: 'https://other' }),
    })
    expect(result.status).toBe(401)
    expect(result.challenge).toContain('error_description="The access token is not meant for this API"')
  })

  test('a token signed by an unknown key: 401 invalid_token', async () => {
    const stranger = await generateTestKey('RS256', 'stranger')
    const result = await request(ctx.api.app, '/api/private', { token: await ctx.issuer.mint({}, { key: stranger }) })
    expect(result.status).toBe(401)
    expect(result.challenge).toContain('error="invalid_token"')
  })

  test('garbage tokens: 401 invalid_token, never 5xx', async () => {
    for (const token of ['abc', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30.AAAA', '....', 'e30.e30.e30']) {
      const result = await request(ctx.api.app, '/api/private', { token })
      expect(result.status).toBe(401)
      expect(result.challenge).toStartWith('Bearer realm="api", error="invalid_token"')
      expect(result.challenge).toContain(', DPoP algs=')
    }
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
  test('unknown paths: 404 JSON', async () => {
    const result = await request(ctx.api.app, '/nope')
    expect(result.status).toBe(404)
    expect(result.body).toEqual({ error: 'not_found', error_description: 'No such route' })
  })

  test('/healthz is always 200', async () => {
    expect((await request(ctx.api.app, '/healthz')).body).toEqual({ status: 'ok' })
  })
})
