import {
  type Authenticator,
  type Clock,
  createAccessTokenVerifier,
  createAuthenticator,
  createRemoteKeySet,
  type KeySetEvent,
  type RemoteKeySet,
  type TokenCacheListener,
  type TokenCacheView,
} from '@repo/access-token'
import type { AuthConfig } from '@repo/auth-config'
import type { Logger } from './logger.ts'

/** The process-wide auth objects: one key set (one cache, one fetch in flight) and the authenticator over it. */
export interface AuthRuntime {
  readonly keySet: RemoteKeySet
  readonly authenticator: Authenticator
  /** The verified-token cache's counters (for metrics); undefined when `AUTH0_TOKEN_CACHE_SIZE=0`. */
  readonly tokenCache: TokenCacheView | undefined
}

export interface AuthRuntimeIO {
  readonly fetch?: typeof fetch
  readonly clock?: Clock
  readonly logger: Logger
  /** Every hit, miss and eviction of the verified-token cache (metrics); must be cheap, it runs per request. */
  readonly onTokenCacheEvent?: TokenCacheListener
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
    onEvent: (event) => logKeySetEvent(io.logger, event),
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
    cache: {
      ...config.tokenCache,
      ...(io.onTokenCacheEvent === undefined ? {} : { onEvent: io.onTokenCacheEvent }),
    },
  })
  return { keySet, authenticator: createAuthenticator({ verifier }), tokenCache: verifier.cache }
}
