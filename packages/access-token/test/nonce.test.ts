import { describe, expect, test } from 'bun:test'
import { createManualClock } from '@repo/testing'
import { createDpopNonces } from '../src/index.ts'

const secret = 'x'.repeat(32)
const WINDOW = 300_000

describe('createDpopNonces (RFC 9449 §9)', () => {
  test('one nonce per window, of NQCHARs only; the same for every instance with the same secret', () => {
    const clock = createManualClock(WINDOW * 1000)
    const one = createDpopNonces({ secret, clock })
    const two = createDpopNonces({ secret, clock })
    const nonce = one.current()
    expect(nonce).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/)
    expect(one.current()).toBe(nonce)
    expect(two.current()).toBe(nonce)
    expect(two.check(nonce)).toBe('current')
    clock.advance(WINDOW - 1)
    expect(one.current()).toBe(nonce)
    clock.advance(1)
    expect(one.current()).not.toBe(nonce)
  })

  test('valid in its window and the next one, then stale', () => {
    const clock = createManualClock(WINDOW * 1000 + 17)
    const nonces = createDpopNonces({ secret, clock })
    const nonce = nonces.current()
    clock.advance(WINDOW)
    expect(nonces.check(nonce)).toBe('previous')
    clock.advance(WINDOW)
    expect(nonces.check(nonce)).toBe('invalid')
  })

  test('a nonce from the future, another secret, or a forged tag is invalid', () => {
    const clock = createManualClock(WINDOW * 1000)
    const nonces = createDpopNonces({ secret, clock })
    const other = createDpopNonces({ secret: 'y'.repeat(32), clock })
    expect(nonces.check(other.current())).toBe('invalid')
    clock.advance(WINDOW)
    const future = nonces.current()
    const past = createDpopNonces({ secret, clock: createManualClock(WINDOW * 1000) })
    expect(past.check(future)).toBe('invalid')
    const bytes = Buffer.from(future, 'base64url')
    bytes[10] = (bytes[10] ?? 0) ^ 1
    expect(nonces.check(bytes.toString('base64url'))).toBe('invalid')
    for (const junk of ['', 'short', 'x'.repeat(30), `${future}x`, future.replace(/./, '.')]) {
      expect(nonces.check(junk)).toBe('invalid')
    }
  })

  test('an unpredictable value: windows do not share a tag, and the window alone does not make a nonce', () => {
    const clock = createManualClock(WINDOW * 1000)
    const nonces = createDpopNonces({ secret, clock })
    const first = Buffer.from(nonces.current(), 'base64url')
    clock.advance(WINDOW)
    const second = Buffer.from(nonces.current(), 'base64url')
    expect(first.subarray(6).equals(second.subarray(6))).toBe(false)
    const guessed = Buffer.concat([second.subarray(0, 6), first.subarray(6)]).toString('base64url')
    expect(nonces.check(guessed)).toBe('invalid')
  })

  test('refuses a secret shorter than 32 bytes or a bad window', () => {
    expect(() => createDpopNonces({ secret: 'x'.repeat(31) })).toThrow('"secret"')
    expect(() => createDpopNonces({ secret, windowSeconds: 0 })).toThrow('"windowSeconds"')
    expect(() => createDpopNonces({ secret: new Uint8Array(32) })).not.toThrow()
  })
})
