import { createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from 'jose'
import { IssuerUnavailableError, type IssuerUnavailableReason } from '../errors.ts'
import { discoverIssuer, type IssuerMetadata } from './discovery.ts'
import { fetchIssuerJson, IssuerFetchError } from './fetch-issuer-json.ts'

/** Where the keys come from: a known issuer and JWKS URI (Auth0), or an issuer to discover. */
export type KeySetSource = { readonly issuer: string; readonly jwksUri: string } | { readonly discoveryBaseUrl: string }

/** Something worth a log line: every fetch, failure and rotation. Never carries a token. */
export type KeySetEvent =
  | { type: 'jwks_fetched'; url: string; keys: number; kids: string[]; freshForSeconds: number; durationMs: number }
  | { type: 'jwks_rotated'; url: string; added: string[]; removed: string[] }
  | {
      type: 'jwks_fetch_failed'
      url: string
      reason: IssuerUnavailableReason
      detail: string
      retryInSeconds: number
      servingStaleKeys: boolean
    }

export interface RemoteKeySetOptions {
  readonly source: KeySetSource
  /**
   * Deadline for one fetch, body included.
   * @default 5000
   */
  readonly timeoutMs?: number
  /**
   * Least time between two fetches caused by tokens with an unknown `kid`.
   * @default 30000
   */
  readonly cooldownMs?: number
  /**
   * How long past its freshness a key set keeps verifying while the issuer cannot be reached.
   * @default 3600000
   */
  readonly staleIfErrorMs?: number
  /**
   * Freshness when the issuer sends no `Cache-Control: max-age`.
   * @default 600000
   */
  readonly defaultMaxAgeMs?: number
  /**
   * Bounds applied to the issuer's `max-age`.
   * @default [60000, 86400000]
   */
  readonly maxAgeBoundsMs?: readonly [number, number]
  /**
   * Longest wait between retries after failures (it doubles from one second).
   * @default 30000
   */
  readonly maxBackoffMs?: number
  /**
   * Refresh on a timer too: when the keys go stale, and after a failure once the backoff allows. Without
   * it an idle process would only notice an outage or a recovery on the next token, and a readiness probe
   * that keeps traffic away would never see the keys arrive.
   * @default true
   */
  readonly autoRefresh?: boolean
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds. */
  readonly now?: () => number
  readonly onEvent?: (event: KeySetEvent) => void
}

export interface KeySetHealth {
  /** True while a key set that may be used is held. */
  readonly ready: boolean
  readonly state: 'not_loaded' | 'fresh' | 'stale' | 'expired'
  readonly keys: number
  readonly fetchedAt: string | null
  readonly lastFailure: IssuerUnavailableReason | null
}

export interface RemoteKeySet {
  /** The exact `iss` tokens must carry (after discovery, when discovering); throws `IssuerUnavailableError`. */
  issuer(): Promise<string>
  /** A jose key resolver: picks the key for a token, refetching once per cooldown for an unknown `kid`. */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>
  /** Loads the key set now (start-up warm-up); never throws. */
  refresh(): Promise<KeySetHealth>
  health(): KeySetHealth
  /** Cancels the refresh timer (shutdown, tests). */
  stop(): void
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>

interface HeldKeys {
  readonly resolve: LocalKeySet
  readonly kids: string[]
  readonly count: number
  readonly fetchedAt: number
  readonly freshUntil: number
}

const MAX_DOCUMENT_BYTES = 512 * 1024
const INITIAL_BACKOFF_MS = 1000

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`"${name}" option must be a non-negative number`)
  return value
}

/** Keeps only public asymmetric keys: a JWKS never supplies HMAC secrets (RFC 8725 §3.1). */
function publicSigningKeys(body: unknown): JSONWebKeySet | undefined {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) return undefined
  const keys = (body as { keys: unknown[] }).keys.filter(
    (key): key is JWK =>
      typeof key === 'object' &&
      key !== null &&
      ['RSA', 'EC', 'OKP'].includes((key as JWK).kty as string) &&
      !Object.hasOwn(key, 'd'),
  )
  return keys.length === 0 ? undefined : { keys }
}

function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'ERR_JWKS_NO_MATCHING_KEY'
}

/**
 * A JWKS cache built for outages: one fetch in flight, a bounded deadline, exponential backoff after
 * failures, `Cache-Control` honoured within bounds, refresh in the background once stale, and
 * stale-if-error for a bounded window. Key selection itself is jose's `createLocalJWKSet`.
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  const timeoutMs = nonNegative('timeoutMs', options.timeoutMs, 5000)
  const cooldownMs = nonNegative('cooldownMs', options.cooldownMs, 30_000)
  const staleIfErrorMs = nonNegative('staleIfErrorMs', options.staleIfErrorMs, 3_600_000)
  const defaultMaxAgeMs = nonNegative('defaultMaxAgeMs', options.defaultMaxAgeMs, 600_000)
  const [minMaxAgeMs, maxMaxAgeMs] = options.maxAgeBoundsMs ?? [60_000, 86_400_000]
  nonNegative('maxAgeBoundsMs', minMaxAgeMs, 0)
  if (maxMaxAgeMs < minMaxAgeMs) throw new TypeError('"maxAgeBoundsMs" option must be [min, max] with min <= max')
  const maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs, 30_000)
  const fetchImpl = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const emit = options.onEvent ?? (() => {})
  const autoRefresh = options.autoRefresh ?? true
  const source = options.source
  const fetchOptions = { fetch: fetchImpl, timeoutMs, maxBytes: MAX_DOCUMENT_BYTES }

  let metadata: IssuerMetadata | undefined = 'jwksUri' in source ? source : undefined
  let held: HeldKeys | undefined
  let inFlight: Promise<HeldKeys> | undefined
  let lastAttemptAt = Number.NEGATIVE_INFINITY
  let failures = 0
  let nextAttemptAt = 0
  let lastFailure: IssuerUnavailableReason | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  function scheduleRefresh(at: number): void {
    if (!autoRefresh) return
    clearTimeout(timer)
    timer = setTimeout(() => load().catch(() => {}), Math.max(0, at - now()))
    // Never keeps the process alive on its own.
    timer.unref?.()
  }

  const sourceUrl = () => metadata?.jwksUri ?? ('discoveryBaseUrl' in source ? source.discoveryBaseUrl : '')

  function unavailable(reason: IssuerUnavailableReason, cause?: unknown): IssuerUnavailableError {
    return new IssuerUnavailableError(reason, Math.max(1, (nextAttemptAt - now()) / 1000), { cause })
  }

  async function fetchKeys(): Promise<HeldKeys> {
    const startedAt = now()
    if (metadata === undefined && 'discoveryBaseUrl' in source) {
      metadata = await discoverIssuer(source.discoveryBaseUrl, fetchOptions)
    }
    const url = sourceUrl()
    const { body, maxAgeSeconds } = await fetchIssuerJson(url, fetchOptions)
    const jwks = publicSigningKeys(body)
    if (jwks === undefined) throw new IssuerFetchError('invalid_response', `${url} holds no usable public key`)
    const maxAgeMs =
      maxAgeSeconds === undefined ? defaultMaxAgeMs : Math.min(maxMaxAgeMs, Math.max(minMaxAgeMs, maxAgeSeconds * 1000))
    const fetchedAt = now()
    const kids = jwks.keys.map((key) => key.kid).filter((kid): kid is string => typeof kid === 'string')
    const next: HeldKeys = {
      resolve: createLocalJWKSet(jwks),
      kids,
      count: jwks.keys.length,
      fetchedAt,
      freshUntil: fetchedAt + maxAgeMs,
    }
    emit({
      type: 'jwks_fetched',
      url,
      keys: next.count,
      kids,
      freshForSeconds: Math.round(maxAgeMs / 1000),
      durationMs: fetchedAt - startedAt,
    })
    if (held !== undefined) {
      const added = kids.filter((kid) => !held?.kids.includes(kid))
      const removed = held.kids.filter((kid) => !kids.includes(kid))
      if (added.length > 0 || removed.length > 0) emit({ type: 'jwks_rotated', url, added, removed })
    }
    return next
  }

  /** Starts (or joins) the one fetch in flight; refuses at once while backing off after a failure. */
  function load(): Promise<HeldKeys> {
    if (inFlight !== undefined) return inFlight
    if (lastFailure !== undefined && now() < nextAttemptAt) return Promise.reject(unavailable(lastFailure))
    lastAttemptAt = now()
    inFlight = fetchKeys()
      .then(
        (next) => {
          held = next
          failures = 0
          nextAttemptAt = 0
          lastFailure = undefined
          scheduleRefresh(next.freshUntil)
          return next
        },
        (error: unknown) => {
          failures += 1
          nextAttemptAt = now() + Math.min(maxBackoffMs, INITIAL_BACKOFF_MS * 2 ** (failures - 1))
          const reason = error instanceof IssuerFetchError ? error.reason : 'network'
          lastFailure = reason
          scheduleRefresh(nextAttemptAt)
          emit({
            type: 'jwks_fetch_failed',
            url: sourceUrl(),
            reason,
            detail: error instanceof Error ? error.message : 'unknown error',
            retryInSeconds: Math.ceil((nextAttemptAt - now()) / 1000),
            servingStaleKeys: held !== undefined && isUsable(held),
          })
          throw unavailable(reason, error)
        },
      )
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }

  const isUsable = (keys: HeldKeys) => now() < keys.freshUntil + staleIfErrorMs

  /** Fresh keys as they are; stale ones while a background refresh runs; past the window, a refresh. */
  async function usableKeys(): Promise<HeldKeys> {
    const keys = held
    if (keys === undefined) return load()
    if (now() < keys.freshUntil) return keys
    if (isUsable(keys)) {
      load().catch(() => {})
      return keys
    }
    return load()
  }

  async function getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const keys = await usableKeys()
    try {
      return await keys.resolve(header, token)
    } catch (error) {
      if (!isNoMatchingKey(error)) throw error
      // An unknown kid may mean the issuer rotated its keys. Refetch, but at most once per cooldown
      // while the issuer is healthy, so that a flood of made-up kids costs one fetch.
      if (inFlight === undefined && lastFailure === undefined && now() - lastAttemptAt < cooldownMs) throw error
      const next = await load()
      return next.resolve(header, token)
    }
  }

  function health(): KeySetHealth {
    const keys = held
    const state =
      keys === undefined ? 'not_loaded' : now() < keys.freshUntil ? 'fresh' : isUsable(keys) ? 'stale' : 'expired'
    return {
      ready: state === 'fresh' || state === 'stale',
      state,
      keys: keys?.count ?? 0,
      fetchedAt: keys === undefined ? null : new Date(keys.fetchedAt).toISOString(),
      lastFailure: lastFailure ?? null,
    }
  }

  return {
    async issuer() {
      if (metadata === undefined) await load()
      // load() sets metadata before it can resolve.
      return (metadata as IssuerMetadata).issuer
    },
    getKey,
    refresh: () => load().then(health, health),
    health,
    stop: () => clearTimeout(timer),
  }
}
