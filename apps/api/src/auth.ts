import {
  type Authenticator,
  type Clock,
  createAccessTokenVerifier,
  createAuthenticator,
  createDpopNonces,
  createMemoryReplayStore,
  createPublicOrigin,
  createRedisReplayStore,
  createRemoteKeySet,
  type KeySetEvent,
  type PublicOrigin,
  protectedResourceMetadataPath,
  type RemoteKeySet,
  type ReplayStore,
  type TokenCacheListener,
  type TokenCacheView,
} from '@repo/access-token'
import type { AuthConfig } from '@repo/auth-config'
import type { Logger } from './logger.ts'
import type { MetricsExtensions } from './observability/metrics.ts'
import type { ProtectedResourceSettings } from './routes/protected-resource.ts'

/**
 * The process-wide auth objects: one key set (one cache, one fetch in flight), one replay store, and the
 * authenticator over them; `close` releases them at shutdown.
 */
export interface AuthRuntime {
  readonly keySet: RemoteKeySet
  readonly replayStore: ReplayStore
  readonly authenticator: Authenticator
  /** The verified-token cache's counters; undefined when `AUTH0_TOKEN_CACHE_SIZE=0`. */
  readonly tokenCache: TokenCacheView | undefined
  /** What the protected resource metadata (RFC 9728) publishes. */
  readonly protectedResource: ProtectedResourceSettings
  close(): void
}

export interface AuthRuntimeIO {
  readonly fetch?: typeof fetch
  readonly clock?: Clock
  readonly logger: Logger
  /** A replay store owned by the caller (shared by several apps in tests); not closed by `close`. */
  readonly replayStore?: ReplayStore
  /** Told every key-set event too, before the logger (the metrics count fetches, failures and rotations). */
  readonly onKeySetEvent?: (event: KeySetEvent) => void
  /**
   * Where the auth components register counters of their own: the token cache (hits, misses, evictions) and the
   * DPoP replay store (refused replays) call `metrics.counter(...)` here when they are built.
   */
  readonly metrics?: MetricsExtensions
  /** Told every hit, miss and eviction of the verified-token cache too; must be cheap, it runs per request. */
  readonly onTokenCacheEvent?: TokenCacheListener
}

function logKeySetEvent(logger: Logger, event: KeySetEvent): void {
  const { type, ...fields } = event
  if (type === 'jwks_fetch_failed') logger.warn(type, fields)
  else logger.info(type, fields)
}

/** In-process unless REDIS_URL names a Redis every replica shares. The URL is never logged (it may hold a password). */
function createReplayStore(config: AuthConfig, io: AuthRuntimeIO): ReplayStore {
  const store = config.dpop.replayStore
  const clock = io.clock === undefined ? {} : { clock: io.clock }
  if (store.kind === 'memory') return createMemoryReplayStore({ maxEntries: store.maxEntries, ...clock })
  return createRedisReplayStore({
    url: store.url,
    ...clock,
    onEvent: (event) =>
      event.type === 'replay_store_unavailable'
        ? io.logger.warn(event.type, { reason: event.reason })
        : io.logger.info(event.type),
  })
}

/**
 * The token cache's events as counters (`token_cache_hits_total`, `token_cache_misses_total`,
 * `token_cache_evictions_total`), and to the caller's listener; nothing when neither wants them or the cache is off.
 */
function tokenCacheListener(config: AuthConfig, io: AuthRuntimeIO): { onEvent?: TokenCacheListener } {
  if (config.tokenCache.maxEntries === 0 || (io.metrics === undefined && io.onTokenCacheEvent === undefined)) return {}
  const counters = io.metrics && {
    hit: io.metrics.counter('token_cache_hits_total', 'Requests whose token was served from the verified-token cache'),
    miss: io.metrics.counter('token_cache_misses_total', 'Requests whose token was not in the verified-token cache'),
    evicted: io.metrics.counter('token_cache_evictions_total', 'Entries removed from the verified-token cache'),
  }
  const listener = io.onTokenCacheEvent
  return {
    onEvent(event) {
      counters?.[event.type].inc()
      listener?.(event)
    },
  }
}

/** Turns the validated configuration into the authenticator the routes use. */
export function createAuthRuntime(config: AuthConfig, io: AuthRuntimeIO): AuthRuntime {
  const clock = io.clock
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
    ...(clock === undefined ? {} : { clock }),
  })
  const verifier = createAccessTokenVerifier({
    keys: keySet,
    audience: config.audience,
    algorithms: config.algorithms,
    clockToleranceSeconds: config.clockToleranceSeconds,
    strict: config.strictProfile,
    ...(config.maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds: config.maxTokenAgeSeconds }),
    ...(clock === undefined ? {} : { now: () => clock.now() }),
    cache: { ...config.tokenCache, ...tokenCacheListener(config, io) },
  })
  const replayStore = io.replayStore ?? createReplayStore(config, io)
  const publicOrigin: PublicOrigin = createPublicOrigin({
    origin: config.resource.publicOrigin,
    trustProxy: config.resource.trustProxy,
  })
  const { dpop } = config
  const authenticator = createAuthenticator({
    verifier,
    dpop: {
      mode: dpop.mode,
      algorithms: dpop.algorithms,
      iatOffsetSeconds: dpop.iatOffsetSeconds,
      iatLeewaySeconds: dpop.iatLeewaySeconds,
      replayStore,
      nonces:
        dpop.nonceSecret === undefined
          ? undefined
          : createDpopNonces({ secret: dpop.nonceSecret, ...(clock === undefined ? {} : { clock }) }),
    },
    publicOrigin,
    resourceMetadataPath: protectedResourceMetadataPath(config.resource.identifier),
    ...(clock === undefined ? {} : { clock }),
  })
  return {
    keySet,
    replayStore,
    authenticator,
    tokenCache: verifier.cache,
    protectedResource: {
      identifier: config.resource.identifier,
      publicOrigin,
      variesByForwardedHeaders: config.resource.trustProxy,
      authorizationServers: async () => [await keySet.issuer()],
      dpop: dpop.mode === 'disabled' ? undefined : { algorithms: dpop.algorithms, required: dpop.mode === 'required' },
    },
    close() {
      keySet.close()
      if (io.replayStore === undefined) replayStore.close()
    },
  }
}
