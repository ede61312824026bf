import { describe, expect, test } from 'bun:test'
import {
  AuthError,
  buildChallenge,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
  ReplayStoreUnavailableError,
  toAuthErrorResponse,
  UseDpopNonceError,
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
    expect(
      buildChallenge('bearer', {}, { code: 'invalid_token', description: 'a "b" \\c\u00e9\n', scope: ['x"y'] }),
    ).toBe('Bearer realm="api", error="invalid_token", error_description="a b c", scope="xy"')
  })

  test('DPoP: no realm, the error first, then algs and resource_metadata (RFC 9449 §7.1, RFC 9728 §5.1)', () => {
    const options = { algorithms: ['ES256', 'PS256'], resourceMetadata: 'https://api.example.com/.well-known/x' }
    expect(buildChallenge('dpop', options)).toBe(
      'DPoP algs="ES256 PS256", resource_metadata="https://api.example.com/.well-known/x"',
    )
    expect(buildChallenge('dpop', options, { code: 'invalid_dpop_proof', description: 'Bad' })).toBe(
      'DPoP error="invalid_dpop_proof", error_description="Bad", algs="ES256 PS256", resource_metadata="https://api.example.com/.well-known/x"',
    )
  })

  test('algs carries algorithm names only, whatever the configuration held', () => {
    expect(buildChallenge('dpop', { algorithms: ['ES256', 'x" y\\'] })).toBe('DPoP algs="ES256 xy"')
  })

  test('resource_metadata is quoted safely whatever it holds', () => {
    expect(buildChallenge('bearer', { resourceMetadata: 'https://a/"x"\\\n' })).toBe(
      'Bearer realm="api", resource_metadata="https://a/\\"x\\"\\\\"',
    )
  })
})

describe('toAuthErrorResponse: several schemes (RFC 9449 §7.2)', () => {
  const both = {
    schemes: ['bearer', 'dpop'] as const,
    dpopAlgorithms: ['ES256'],
    resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
  }
  const meta = 'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"'

  test('no credentials: every challenge, none with an error', () => {
    expect(toAuthErrorResponse(new MissingCredentialsError(), both).headers['www-authenticate']).toBe(
      `Bearer realm="api", ${meta}, DPoP algs="ES256", ${meta}`,
    )
  })

  test('the error goes on the scheme the client used', () => {
    const error = new InvalidTokenError('expired')
    expect(toAuthErrorResponse(error, { ...both, usedScheme: 'dpop' }).headers['www-authenticate']).toBe(
      `Bearer realm="api", ${meta}, DPoP error="invalid_token", error_description="The access token expired", algs="ES256", ${meta}`,
    )
    expect(toAuthErrorResponse(error, { ...both, usedScheme: 'bearer' }).headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="The access token expired", ${meta}, DPoP algs="ES256", ${meta}`,
    )
  })

  test('an unknown or unoffered scheme: the error on every challenge', () => {
    const error = new InvalidRequestError('header_too_large')
    const unknown = toAuthErrorResponse(error, both).headers['www-authenticate']
    expect(unknown?.match(/error="invalid_request"/g)).toHaveLength(2)
    const unoffered = toAuthErrorResponse(error, { ...both, schemes: ['dpop'], usedScheme: 'bearer' })
    expect(unoffered.headers['www-authenticate']).toStartWith('DPoP error="invalid_request"')
  })

  test('DPoP proof errors and nonce requests always go on the DPoP challenge; the nonce in DPoP-Nonce', () => {
    const proof = toAuthErrorResponse(new InvalidDpopProofError('replayed'), { ...both, usedScheme: 'bearer' })
    expect(proof.status).toBe(401)
    expect(proof.headers['www-authenticate']).toBe(
      `Bearer realm="api", ${meta}, DPoP error="invalid_dpop_proof", error_description="The DPoP proof has already been used", algs="ES256", ${meta}`,
    )
    const nonce = toAuthErrorResponse(new UseDpopNonceError('missing', 'n0nce'), both)
    expect(nonce.status).toBe(401)
    expect(nonce.headers['dpop-nonce']).toBe('n0nce')
    expect(nonce.headers['www-authenticate']).toContain('DPoP error="use_dpop_nonce"')
    expect(nonce.body).toEqual({
      error: 'use_dpop_nonce',
      error_description: 'The resource server requires a nonce in the DPoP proof',
    })
  })

  test('403: only the used scheme’s challenge, with scope and resource_metadata (step-up)', () => {
    const error = new InsufficientScopeError(['read:messages'])
    expect(toAuthErrorResponse(error, { ...both, usedScheme: 'dpop' }).headers['www-authenticate']).toBe(
      `DPoP error="insufficient_scope", error_description="The access token does not grant the required scope", scope="read:messages", algs="ES256", ${meta}`,
    )
  })

  test('a replay store outage: 503 with Retry-After, no challenge', () => {
    const response = toAuthErrorResponse(new ReplayStoreUnavailableError('unreachable', 0.2), both)
    expect(response).toEqual({
      status: 503,
      headers: { 'retry-after': '1', 'cache-control': 'no-store' },
      body: {
        error: 'temporarily_unavailable',
        error_description: 'DPoP proofs cannot be checked right now; try again later',
      },
    })
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
      new InvalidDpopProofError('signature'),
      new UseDpopNonceError('invalid', 'n'),
      new ReplayStoreUnavailableError('full', 1),
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
