import { describe, expect, test } from 'bun:test'
import {
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
    expect(response.headers).toEqual({ 'retry-after': '3' })
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
