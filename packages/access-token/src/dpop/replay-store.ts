import { ReplayStoreUnavailableError } from '../errors.ts'
import { type Clock, systemClock } from '../time/clock.ts'

/**
 * Where the `jti`s of accepted DPoP proofs are kept for as long as the proofs would be accepted (RFC 9449 §11.1),
 * so that each proof is accepted once. Shared by every replica behind one endpoint (Redis), or per process.
 */
export interface ReplayStore {
  /**
   * Records `key` for `ttlMs` unless it is already there, as one atomic step. Resolves `true` the first time,
   * `false` while the key is held. Rejects with `ReplayStoreUnavailableError` when it cannot tell (unreachable,
   * too slow, full, closed): the caller then refuses the request, it never guesses.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>
  /** Releases connections and timers; later claims reject with `closed`. */
  close(): void
}

export interface MemoryReplayStoreOptions {
  /**
   * Most keys held at once. A full store refuses new proofs (503) rather than forgets unexpired ones: forgetting
   * would let a flood of fresh proofs push a captured one out and replay it.
   * @default 100000
   */
  readonly maxEntries?: number
  /**
   * `Retry-After` of a refusal when full, in seconds.
   * @default 1
   */
  readonly retryAfterSeconds?: number
  readonly clock?: Clock
}

// Expired keys dropped from the oldest end on each claim: enough to keep up, bounded work per request.
const SWEEP_PER_CLAIM = 4

/**
 * The in-process store: a `Map` from key to expiry, in insertion order. One process has one event loop, so the
 * check and the set cannot interleave; several apps in one process may share one store. It protects one replica
 * only: with more than one, use the Redis store.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('"maxEntries" option must be positive')
  const retryAfterSeconds = options.retryAfterSeconds ?? 1
  const clock = options.clock ?? systemClock
  const expiries = new Map<string, number>()
  let closed = false

  /** Drops expired keys from the oldest end, at most `limit` of them (TTLs are close, so order is close too). */
  function sweep(now: number, limit: number): void {
    let dropped = 0
    for (const [key, expiry] of expiries) {
      if (dropped >= limit) return
      if (expiry <= now) {
        expiries.delete(key)
        dropped += 1
      } else if (limit !== Number.POSITIVE_INFINITY) {
        return
      }
    }
  }

  return {
    async claimOnce(key, ttlMs) {
      if (closed) throw new ReplayStoreUnavailableError('closed', retryAfterSeconds)
      const now = clock.now()
      sweep(now, SWEEP_PER_CLAIM)
      const expiry = expiries.get(key)
      if (expiry !== undefined && expiry > now) return false
      if (expiry === undefined && expiries.size >= maxEntries) {
        // Full: a complete sweep first (TTLs differ, so an expired key may sit behind a live one), then refuse.
        sweep(now, Number.POSITIVE_INFINITY)
        if (expiries.size >= maxEntries) throw new ReplayStoreUnavailableError('full', retryAfterSeconds)
      }
      // Re-inserted at the end, so that insertion order stays close to expiry order.
      expiries.delete(key)
      expiries.set(key, now + Math.max(1, ttlMs))
      return true
    },
    close() {
      closed = true
      expiries.clear()
    },
  }
}
