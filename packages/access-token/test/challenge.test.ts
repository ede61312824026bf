import { describe, expect, test } from 'bun:test'
import {
  AuthError,
  buildChallenge,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
  toAuthErrorResponse,
} from '../src/index.ts'

describe('toAuthErrorResponse', () => {
  test('missing credentials: 401 with only the realm', () => {
    const response = toAuthErrorResponse(new MissingCredentialsError())
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(response.body).toEqual({ error: 'unauthorized', error_description: 'Authentication required' })
  })

  test('invalid request: 400 with error code and description', () => {
    const response = toAuthErrorResponse(new InvalidRequestError('empty_token'))
    expect(response.status).toBe(400)
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="The bearer token is empty"',
    )
    expect(response.body.error).toBe('invalid_request')
  })

  test('invalid token: 401 with error code and description', () => {
    const response = toAuthErrorResponse(new InvalidTokenError('expired'))
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
  })

  test('insufficient scope: 403 naming the required scope', () => {
    const response = toAuthErrorResponse(new InsufficientScopeError(['read:messages', 'write:messages']))
    expect(response.status).toBe(403)
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required scope", scope="read:messages write:messages"',
    )
  })

  test('issuer unavailable: 503 with Retry-After and no challenge', () => {
    const response = toAuthErrorResponse(new IssuerUnavailableError('timeout', 2.2))
    expect(response.status).toBe(503)
    expect(response.headers).toEqual({ 'retry-after': '3', 'cache-control': 'no-store' })
    expect(response.body.error).toBe('temporarily_unavailable')
  })

  test('the realm is configurable and quoted safely', () => {
    expect(toAuthErrorResponse(new MissingCredentialsError(), { realm: 'my "api"' }).headers['www-authenticate']).toBe(
      'Bearer realm="my \\"api\\""',
    )
  })
})

describe('buildChallenge', () => {
  test('strips characters RFC 6750 forbids in error_description and scope', () => {
    expect(buildChallenge('api', { code: 'invalid_token', description: 'a "b" \\c\u00e9\n', scope: ['x"y'] })).toBe(
      'Bearer realm="api", error="invalid_token", error_description="a b c", scope="xy"',
    )
  })
})

describe('toAuthErrorResponse: every answer', () => {
  test('carries Cache-Control: no-store', () => {
    for (const error of [
      new MissingCredentialsError(),
      new InvalidRequestError('empty_token'),
      new InvalidTokenError('expired'),
      new InsufficientScopeError(['read:messages']),
      new IssuerUnavailableError('timeout', 3),
    ]) {
      expect(toAuthErrorResponse(error).headers['cache-control']).toBe('no-store')
    }
  })

  test('an AuthError subclass it does not know is answered by its status, never left undefined', () => {
    class Foreign extends AuthError {
      readonly code = 'revoked' as unknown as 'invalid_token'
      constructor(readonly status: 400 | 401 | 403 | 503) {
        super('The access token was revoked')
      }
    }
    expect(toAuthErrorResponse(new Foreign(401))).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(toAuthErrorResponse(new Foreign(403))).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } })
    expect(toAuthErrorResponse(new Foreign(400))).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(toAuthErrorResponse(new Foreign(503))).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { error: 'temporarily_unavailable' },
    })
    expect(toAuthErrorResponse(new Foreign(418 as 401))).toMatchObject({ status: 401 })
  })
})
