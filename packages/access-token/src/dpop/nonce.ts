import { createHmac, timingSafeEqual } from 'node:crypto'
import { type Clock, systemClock } from '../time/clock.ts'

/**
 * RFC 9449 §9: nonces this resource server hands out for clients to put in their proofs, which stops proofs made
 * in advance (§11.2) and bounds a proof's life by the server's clock rather than the client's `iat`.
 *
 * Stateless: a nonce is a time window's number and an HMAC of it under a secret shared by every replica, so any
 * replica accepts a nonce another one issued, and nothing is stored. The nonce of a window is the same for every
 * client (RFC 9449 §11.1: clients and servers may use a nonce many times; the `jti` still makes each proof
 * single-use). A nonce is accepted during its window and the next one, so it lives between one and two windows,
 * and a client always has a fresh one before the old one stops working.
 */
export interface DpopNonces {
  /** The nonce of the current window, for `DPoP-Nonce`. */
  current(): string
  /** `current`: from this window; `previous`: from the last one (still valid; offer `current`); else `invalid`. */
  check(nonce: string): 'current' | 'previous' | 'invalid'
}

export interface DpopNonceOptions {
  /** At least 32 bytes, the same on every replica. */
  readonly secret: string | Uint8Array
  /**
   * Length of a window, in seconds.
   * @default 300
   */
  readonly windowSeconds?: number
  readonly clock?: Clock
}

/** The smallest secret accepted, in bytes (a HMAC-SHA256 key shorter than its output weakens it). */
export const MIN_NONCE_SECRET_BYTES = 32

const WINDOW_BYTES = 6
const TAG_BYTES = 16
// base64url of 6 + 16 bytes: 30 characters, all of them NQCHAR (RFC 9449 §8.1).
const NONCE = /^[A-Za-z0-9_-]{30}$/

export function createDpopNonces(options: DpopNonceOptions): DpopNonces {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret)
  if (secret.length < MIN_NONCE_SECRET_BYTES) {
    throw new TypeError(`"secret" option must be at least ${MIN_NONCE_SECRET_BYTES} bytes`)
  }
  const windowMs = (options.windowSeconds ?? 300) * 1000
  if (!Number.isInteger(windowMs) || windowMs <= 0) throw new TypeError('"windowSeconds" option must be positive')
  const clock = options.clock ?? systemClock

  const windowBytes = (window: number) => {
    const bytes = Buffer.alloc(WINDOW_BYTES)
    bytes.writeUIntBE(window, 0, WINDOW_BYTES)
    return bytes
  }
  const tag = (window: Buffer) =>
    createHmac('sha256', secret).update('dpop-nonce\n').update(window).digest().subarray(0, TAG_BYTES)
  const nonceOf = (window: number) => {
    const bytes = windowBytes(window)
    return Buffer.concat([bytes, tag(bytes)]).toString('base64url')
  }

  // One HMAC per window, not per request.
  let cached: { window: number; nonce: string } | undefined
  const windowNow = () => Math.floor(clock.now() / windowMs)

  return {
    current() {
      const window = windowNow()
      if (cached?.window !== window) cached = { window, nonce: nonceOf(window) }
      return cached.nonce
    },
    check(nonce) {
      if (!NONCE.test(nonce)) return 'invalid'
      const bytes = Buffer.from(nonce, 'base64url')
      const window = bytes.readUIntBE(0, WINDOW_BYTES)
      const now = windowNow()
      if (window !== now && window !== now - 1) return 'invalid'
      if (!timingSafeEqual(bytes.subarray(WINDOW_BYTES), tag(bytes.subarray(0, WINDOW_BYTES)))) return 'invalid'
      return window === now ? 'current' : 'previous'
    },
  }
}
