import { describe, expect, test } from 'bun:test'
import { InvalidRequestError, InvalidTokenError, MissingCredentialsError } from '../src/index.ts'

describe('shared errors (`of`)', () => {
  test('one object per class and reason, frozen: no request can change what the next one is thrown', () => {
    const missing = MissingCredentialsError.of()
    expect(MissingCredentialsError.of('none')).toBe(missing)
    expect(MissingCredentialsError.of('unsupported_scheme')).not.toBe(missing)
    expect(InvalidTokenError.of('signature')).toBe(InvalidTokenError.of('signature'))
    expect(InvalidRequestError.of('empty_token')).toBe(InvalidRequestError.of('empty_token'))
    for (const error of [missing, InvalidTokenError.of('signature'), InvalidRequestError.of('empty_token')]) {
      expect(Object.isFrozen(error)).toBe(true)
      expect(() => {
        ;(error as { message: string }).message = 'changed'
      }).toThrow(TypeError)
    }
    expect(missing.message).toBe('Authentication required')
  })

  test('the same fields as one built with `new`', () => {
    const shared = InvalidTokenError.of('unknown_key')
    const made = new InvalidTokenError('unknown_key')
    expect(shared).toBeInstanceOf(InvalidTokenError)
    for (const field of ['code', 'status', 'reason', 'name', 'message', 'claim'] as const) {
      expect(shared[field]).toBe(made[field])
    }
    expect(MissingCredentialsError.of('dpop_required').message).toBe(
      new MissingCredentialsError('dpop_required').message,
    )
  })
})
