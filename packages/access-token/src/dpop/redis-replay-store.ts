import { ReplayStoreUnavailableError, type ReplayStoreUnavailableReason } from '../errors.ts'
import { type Clock, systemClock } from '../time/clock.ts'
import type { ReplayStore } from './replay-store.ts'

/** What the store needs of a Redis client; Bun's `RedisClient` is one. */
export interface RedisConnection {
  readonly connected: boolean
  connect(): Promise<void>
  send(command: string, args: string[]): Promise<unknown>
  close(): void
}

/** Told when the store stops or starts answering, once per change (for a log line, not per request). */
export type RedisReplayStoreEvent =
  | { readonly type: 'replay_store_unavailable'; readonly reason: ReplayStoreUnavailableReason }
  | { readonly type: 'replay_store_recovered' }

export interface RedisReplayStoreOptions {
  /** `redis://`, `rediss://`, `redis+unix://`… as Bun's client takes it. Never logged: it may hold a password. */
  readonly url: string
  /**
   * Prefix of every key, so that one Redis can serve other uses too.
   * @default "dpop:jti:"
   */
  readonly keyPrefix?: string
  /**
   * Deadline for connecting and for one command, in milliseconds.
   * @default 500
   */
  readonly timeoutMs?: number
  /**
   * After a failure, how long claims are refused at once (503) before Redis is tried again, in milliseconds: an
   * outage then costs one connection attempt per period, not one per request.
   * @default 1000
   */
  readonly cooldownMs?: number
  readonly clock?: Clock
  readonly onEvent?: (event: RedisReplayStoreEvent) => void
  /** For tests: the connection to use instead of a `Bun.RedisClient` for `url`. */
  readonly connection?: RedisConnection
}

class Deadline extends Error {}

/**
 * The shared store: `SET key 1 NX PX ttl`, one atomic command, so that two replicas racing on one proof cannot
 * both be told it is new. Fails closed: when Redis cannot answer within the deadline, claims reject with
 * `ReplayStoreUnavailableError` (503 + `Retry-After`) rather than accept proofs unchecked. Commands are never
 * queued while disconnected (they would wait for ever); the connection is opened on first use and reopened on the
 * first claim after a cooldown.
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): ReplayStore {
  const timeoutMs = options.timeoutMs ?? 500
  const cooldownMs = options.cooldownMs ?? 1000
  const keyPrefix = options.keyPrefix ?? 'dpop:jti:'
  const clock = options.clock ?? systemClock
  const connection =
    options.connection ??
    new Bun.RedisClient(options.url, {
      connectionTimeout: timeoutMs,
      enableOfflineQueue: false,
      autoReconnect: false,
    })
  let connecting: Promise<void> | undefined
  let failedUntil = 0
  let failing = false
  let closed = false

  function withDeadline<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new Deadline()), timeoutMs)
      promise.then(
        (value) => {
          clock.clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clock.clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  function connect(): Promise<void> {
    connecting ??= connection.connect().finally(() => {
      connecting = undefined
    })
    return connecting
  }

  const retryAfter = (now: number) => Math.max(1, Math.ceil((failedUntil - now) / 1000))

  function fail(reason: ReplayStoreUnavailableReason, cause: unknown): ReplayStoreUnavailableError {
    const now = clock.now()
    failedUntil = now + cooldownMs
    if (!failing) {
      failing = true
      options.onEvent?.({ type: 'replay_store_unavailable', reason })
    }
    return new ReplayStoreUnavailableError(reason, retryAfter(now), { cause })
  }

  return {
    async claimOnce(key, ttlMs) {
      if (closed) throw new ReplayStoreUnavailableError('closed', 1)
      const now = clock.now()
      if (now < failedUntil) throw new ReplayStoreUnavailableError('unreachable', retryAfter(now))
      let reply: unknown
      try {
        if (!connection.connected) await withDeadline(connect())
        const args = [`${keyPrefix}${key}`, '1', 'NX', 'PX', String(Math.max(1, Math.ceil(ttlMs)))]
        reply = await withDeadline(connection.send('SET', args))
      } catch (error) {
        if (closed) throw new ReplayStoreUnavailableError('closed', 1)
        throw fail(error instanceof Deadline ? 'timeout' : 'unreachable', error)
      }
      // SET … NX answers OK when it set the key and nil when the key was there; anything else is not Redis.
      if (reply !== 'OK' && reply !== null) throw fail('unreachable', new Error('unexpected reply to SET NX'))
      if (failing) {
        failing = false
        options.onEvent?.({ type: 'replay_store_recovered' })
      }
      return reply === 'OK'
    },
    close() {
      closed = true
      connection.close()
    },
  }
}
