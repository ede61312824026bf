import {
  type Authenticator,
  type Clock,
  createAccessTokenVerifier,
  createAuthenticator,
  createRemoteKeySet,
  type KeySetEvent,
  type RemoteKeySet,
} from '@repo/access-token'
import type { AuthConfig } from '@repo/auth-config'
import type { Logger } from './logger.ts'
import type { MetricsExtensions } from './observability/metrics.ts'

/** The process-wide auth objects: one key set (one cache, one fetch in flight) and the authenticator over it. */
export interface AuthRuntime {
  readonly keySet: RemoteKeySet
  readonly authenticator: Authenticator
}

export interface AuthRuntimeIO {
  readonly fetch?: typeof fetch
  readonly clock?: Clock
  readonly logger: Logger
  /** Told every key-set event too, before the logger (the metrics count fetches, failures and rotations). */
  readonly onKeySetEvent?: (event: KeySetEvent) => void
  /**
   * Where the auth components register counters of their own: the token cache (hits, misses, evictions) and the
   * DPoP replay store (refused replays) call `metrics.counter(...)` here when they are built.
   */
  readonly metrics?: MetricsExtensions
}

function logKeySetEvent(logger: Logger, event: KeySetEvent): void {
  const { type, ...fields } = event
  if (type === 'jwks_fetch_failed') logger.warn(type, fields)
  else logger.info(type, fields)
}

/** Turns the validated configuration into the authenticator the routes use. */
export function createAuthRuntime(config: AuthConfig, io: AuthRuntimeIO): AuthRuntime {
  const keySet = createRemoteKeySet({
    source: config.keySource,
    transport: config.transport,
    timeoutMs: config.jwks.timeoutMs,
    cooldownMs: config.jwks.cooldownMs,
    staleIfErrorMs: config.jwks.staleIfErrorMs,
    onEvent: (event) => {
      io.onKeySetEvent?.(event)
      logKeySetEvent(io.logger, event)
    },
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
    ...(io.clock === undefined ? {} : { clock: io.clock }),
  })
  const clock = io.clock
  const verifier = createAccessTokenVerifier({
    keys: keySet,
    audience: config.audience,
    algorithms: config.algorithms,
    clockToleranceSeconds: config.clockToleranceSeconds,
    strict: config.strictProfile,
    ...(config.maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds: config.maxTokenAgeSeconds }),
    ...(clock === undefined ? {} : { now: () => clock.now() }),
  })
  return { keySet, authenticator: createAuthenticator({ verifier }) }
}
