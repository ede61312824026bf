import { describe, expect, test } from 'bun:test'
import {
  AUTH_OUTCOMES,
  authOutcome,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
} from '../src/index.ts'

describe('authOutcome', () => {
  test('maps each error to its stable label, never to its message', () => {
    expect(authOutcome(new MissingCredentialsError())).toBe('missing')
    expect(authOutcome(new InvalidRequestError('token_in_query'))).toBe('invalid_request')
    expect(authOutcome(new InvalidTokenError('expired'))).toBe('expired')
    expect(authOutcome(new InvalidTokenError('audience'))).toBe('audience')
    expect(authOutcome(new InsufficientScopeError(['read:messages']))).toBe('insufficient_scope')
    expect(authOutcome(new IssuerUnavailableError('timeout', 1))).toBe('issuer_unavailable')
  })

  test('anything that is not an AuthError is `error`, whatever it says', () => {
    expect(authOutcome(new Error('expired'))).toBe('error')
    expect(authOutcome({ code: 'invalid_token', reason: 'eyJhbGciOi' })).toBe('error')
    expect(authOutcome('missing')).toBe('error')
  })

  test('AUTH_OUTCOMES lists every label, each once', () => {
    expect(new Set(AUTH_OUTCOMES).size).toBe(AUTH_OUTCOMES.length)
    for (const label of [
      'ok',
      'missing',
      'invalid_request',
      'expired',
      'signature',
      'unknown_key',
      'invalid_dpop_proof',
      'use_dpop_nonce',
      'replay_store_unavailable',
      'error',
    ]) {
      expect(AUTH_OUTCOMES).toContain(label as (typeof AUTH_OUTCOMES)[number])
    }
  })
})
