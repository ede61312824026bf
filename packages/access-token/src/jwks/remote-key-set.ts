/**
 * The issuer's key set, kept for outages: one fetch in flight, a deadline, exponential backoff after failures,
 * `Cache-Control` honoured within bounds, refresh in the background and on a timer, stale-if-error for a bounded
 * window, and refetch on an unknown `kid` at most once per cooldown.
 *
 * States and transitions — all of them happen in `transition()`:
 *
 *   state     event            next                      effect
 *   --------  ---------------  ------------------------  --------------------------------------------------
 *   empty     fetch succeeded  holding                   refresh timer at `freshUntil`
 *   empty     fetch failed     empty, failure n+1        retry timer at the backoff (1 s doubling to 30 s)
 *   holding   fetch succeeded  holding (new keys)        failure cleared; rotation logged; refresh timer
 *   holding   fetch failed     holding, failure n+1      retry timer at the backoff; old keys still served
 *   empty,    close            closed (keeps held keys)  timer cancelled; a fetch in flight is aborted and its
 *   holding                                              result ignored; no fetch ever starts again
 *   closed    anything         closed                    none
 *
 * While `holding`, the clock decides how the keys are used (`phaseOf`): `fresh` until `freshUntil`; then `stale`
 * (served, and refreshed in the background) for `staleIfErrorMs`; then `expired` (not served: a request waits for a
 * fetch, or gets a 503). A failure record makes requests that need a fetch answer 503 at once until `retryAt`.
 * An unknown `kid` refetches only if no refetch for an unknown `kid` happened within the cooldown; timer and
 * background refreshes do not count against it.
 */
import { InvalidTokenError, IssuerUnavailableError, type IssuerUnavailableReason } from '../errors.ts'
import type { KeysAtHand } from '../jwt/verify-access-token.ts'
import { type Clock, systemClock } from '../time/clock.ts'
import { discoverIssuer, type IssuerMetadata } from './discovery.ts'
import { fetchIssuerJson, IssuerFetchError } from './fetch-issuer-json.ts'
import { type KeySetEvent, type KeySetListener, safeListener } from './key-set-events.ts'
import { createKeySnapshot, type KeySnapshot, type PublishedKey, publicSigningKeys } from './published-keys.ts'
import { HTTPS_ONLY, redactUrl, type TransportPolicy } from './transport-policy.ts'

/** Where the keys come from: a known issuer and JWKS URI (Auth0), or an issuer to discover. */
export type KeySetSource = { readonly issuer: string; readonly jwksUri: string } | { readonly discoveryBaseUrl: string }

export interface RemoteKeySetOptions {
  readonly source: KeySetSource
  /**
   * Which URLs a discovered `jwks_uri` may use (the configured issuer was checked by the configuration).
   * @default https only, plain http to loopback
   */
  readonly transport?: TransportPolicy
  /** @default 5000 */
  readonly timeoutMs?: number
  /** Least time between two fetches caused by tokens with an unknown `kid`. @default 30000 */
  readonly cooldownMs?: number
  /** How long past its freshness a key set keeps verifying while the issuer cannot be reached. @default 3600000 */
  readonly staleIfErrorMs?: number
  /** Freshness when the issuer sends no `Cache-Control: max-age`. @default 600000 */
  readonly defaultMaxAgeMs?: number
  /** Bounds applied to the issuer's `max-age`. @default [60000, 86400000] */
  readonly maxAgeBoundsMs?: readonly [number, number]
  /** Longest wait between retries after failures (it doubles from one second). @default 30000 */
  readonly maxBackoffMs?: number
  /**
   * Refresh on a timer too: when the keys go stale, and after a failure once the backoff allows, so that an idle
   * process, or one a readiness probe keeps traffic away from, notices outages and recoveries.
   * @default true
   */
  readonly autoRefresh?: boolean
  readonly fetch?: typeof fetch
  /** The clock and timers. @default systemClock */
  readonly clock?: Clock
  /** Called for every fetch, failure and rotation; a listener that throws changes nothing. */
  readonly onEvent?: KeySetListener
}

export type KeySetPhase = 'not_loaded' | 'fresh' | 'stale' | 'expired' | 'closed'

export interface KeySetHealth {
  /** True while keys that may be used are held and the key set is not closed. */
  readonly ready: boolean
  readonly state: KeySetPhase
  readonly keys: number
  readonly fetchedAt: string | null
  readonly lastFailure: IssuerUnavailableReason | null
}

export interface RemoteKeySet {
  /** The exact `iss` tokens must carry (after discovery, when discovering); throws `IssuerUnavailableError`. */
  issuer(): Promise<string>
  /**
   * The held keys that may have signed a token with this `alg` and `kid` (empty when none fits). Throws
   * `InvalidTokenError('unknown_key')` for a `kid` the issuer does not publish, after at most one refetch per
   * cooldown, and `IssuerUnavailableError` when the keys cannot be had.
   */
  keysFor(alg: string, kid: string | undefined): Promise<readonly PublishedKey[]>
  /**
   * What `issuer()` and `keysFor()` would give, when the key set can give it without waiting: the issuer is known
   * and keys that may be used are held, with this `kid` among them. Undefined means "ask `keysFor`", which decides
   * the rest (a fetch, an unknown `kid`, an outage). A stale key set starts its background refresh here too.
   */
  keysNow(alg: string, kid: string | undefined): KeysAtHand | undefined
  /** Whether a key still belongs to the key set and may still be used (for caches keyed on verified tokens). */
  isCurrent(key: PublishedKey): boolean
  /** Loads the key set now (start-up warm-up); never throws. */
  refresh(): Promise<KeySetHealth>
  health(): KeySetHealth
  /** Stops for good: cancels the timer and any fetch in flight; held keys keep serving until they expire. */
  close(): void
}

interface Failure {
  readonly reason: IssuerUnavailableReason
  readonly count: number
  readonly retryAt: number
}

type State =
  | { readonly kind: 'empty'; readonly failure: Failure | undefined }
  | { readonly kind: 'holding'; readonly keys: KeySnapshot; readonly failure: Failure | undefined }
  | { readonly kind: 'closed'; readonly keys: KeySnapshot | undefined }

type Transition =
  | { readonly type: 'fetched'; readonly keys: KeySnapshot; readonly durationMs: number }
  | { readonly type: 'failed'; readonly reason: IssuerUnavailableReason; readonly detail: string }
  | { readonly type: 'closed' }

const MAX_DOCUMENT_BYTES = 512 * 1024
const INITIAL_BACKOFF_MS = 1000

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`"${name}" option must be a non-negative number`)
  return value
}

export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  const timeoutMs = nonNegative('timeoutMs', options.timeoutMs, 5000)
  const cooldownMs = nonNegative('cooldownMs', options.cooldownMs, 30_000)
  const staleIfErrorMs = nonNegative('staleIfErrorMs', options.staleIfErrorMs, 3_600_000)
  const defaultMaxAgeMs = nonNegative('defaultMaxAgeMs', options.defaultMaxAgeMs, 600_000)
  const [minMaxAgeMs, maxMaxAgeMs] = options.maxAgeBoundsMs ?? [60_000, 86_400_000]
  nonNegative('maxAgeBoundsMs', minMaxAgeMs, 0)
  if (!(maxMaxAgeMs >= minMaxAgeMs)) throw new TypeError('"maxAgeBoundsMs" option must be [min, max] with min <= max')
  const maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs, 30_000)
  const clock = options.clock ?? systemClock
  const emit = safeListener(options.onEvent)
  const autoRefresh = options.autoRefresh ?? true
  const { source } = options
  const fetchOptions = {
    fetch: options.fetch ?? fetch,
    clock,
    timeoutMs,
    maxBytes: MAX_DOCUMENT_BYTES,
    transport: options.transport ?? HTTPS_ONLY,
  }

  let state: State = { kind: 'empty', failure: undefined }
  let metadata: IssuerMetadata | undefined = 'jwksUri' in source ? source : undefined
  let inFlight: { readonly keys: Promise<KeySnapshot>; readonly abort: AbortController } | undefined
  let timer: unknown
  let lastKidRefetchAt = Number.NEGATIVE_INFINITY

  const sourceUrl = () => redactUrl(metadata?.jwksUri ?? ('discoveryBaseUrl' in source ? source.discoveryBaseUrl : ''))

  function schedule(at: number): void {
    clock.clearTimeout(timer)
    timer = autoRefresh ? clock.setTimeout(() => void load().catch(() => {}), Math.max(0, at - clock.now())) : undefined
  }

  /** The one place where the state changes; events are emitted once the new state holds. */
  function transition(event: Transition): void {
    if (state.kind === 'closed') return
    switch (event.type) {
      case 'fetched': {
        const { keys } = event
        const previous = state.kind === 'holding' ? state.keys : undefined
        state = { kind: 'holding', keys, failure: undefined }
        schedule(keys.freshUntil)
        emit({
          type: 'jwks_fetched',
          url: sourceUrl(),
          keys: keys.keys.length,
          kids: keys.kids,
          freshForSeconds: Math.round((keys.freshUntil - keys.fetchedAt) / 1000),
          durationMs: event.durationMs,
        })
        if (previous !== undefined) {
          const added = keys.kids.filter((kid) => !previous.hasKid(kid))
          const removed = previous.kids.filter((kid) => !keys.hasKid(kid))
          if (added.length > 0 || removed.length > 0) emit({ type: 'jwks_rotated', url: sourceUrl(), added, removed })
        }
        return
      }
      case 'failed': {
        const count = (state.failure?.count ?? 0) + 1
        const retryAt = clock.now() + Math.min(maxBackoffMs, INITIAL_BACKOFF_MS * 2 ** (count - 1))
        state = { ...state, failure: { reason: event.reason, count, retryAt } }
        schedule(retryAt)
        emit({
          type: 'jwks_fetch_failed',
          url: sourceUrl(),
          reason: event.reason,
          detail: event.detail,
          retryInSeconds: Math.ceil((retryAt - clock.now()) / 1000),
          servingStaleKeys: state.kind === 'holding' && phaseOf(state.keys) !== 'expired',
        })
        return
      }
      case 'closed':
        state = { kind: 'closed', keys: state.kind === 'holding' ? state.keys : undefined }
        clock.clearTimeout(timer)
        inFlight?.abort.abort()
        return
    }
  }

  function phaseOf(keys: KeySnapshot | undefined): 'not_loaded' | 'fresh' | 'stale' | 'expired' {
    if (keys === undefined) return 'not_loaded'
    const now = clock.now()
    if (now < keys.freshUntil) return 'fresh'
    return now < keys.freshUntil + staleIfErrorMs ? 'stale' : 'expired'
  }

  function unavailable(reason: IssuerUnavailableReason, cause?: unknown): IssuerUnavailableError {
    const retryAt = state.kind === 'closed' ? 0 : (state.failure?.retryAt ?? 0)
    return new IssuerUnavailableError(reason, Math.max(1, (retryAt - clock.now()) / 1000), { cause })
  }

  async function fetchKeys(signal: AbortSignal): Promise<KeySnapshot> {
    if (metadata === undefined && 'discoveryBaseUrl' in source) {
      metadata = await discoverIssuer(source.discoveryBaseUrl, { ...fetchOptions, signal })
    }
    const url = (metadata as IssuerMetadata).jwksUri
    const { body, maxAgeSeconds } = await fetchIssuerJson(url, { ...fetchOptions, signal })
    const jwks = publicSigningKeys(body)
    if (jwks === undefined) throw new IssuerFetchError('invalid_response', `${sourceUrl()} holds no usable public key`)
    const maxAgeMs =
      maxAgeSeconds === undefined ? defaultMaxAgeMs : Math.min(maxMaxAgeMs, Math.max(minMaxAgeMs, maxAgeSeconds * 1000))
    const fetchedAt = clock.now()
    const previous = state.kind === 'empty' ? undefined : state.keys
    return createKeySnapshot(jwks, { fetchedAt, freshUntil: fetchedAt + maxAgeMs }, previous)
  }

  /** Starts (or joins) the one fetch in flight; refuses at once while closed or backing off after a failure. */
  function load(): Promise<KeySnapshot> {
    if (state.kind === 'closed') return Promise.reject(unavailable('closed'))
    if (inFlight !== undefined) return inFlight.keys
    if (state.failure !== undefined && clock.now() < state.failure.retryAt) {
      return Promise.reject(unavailable(state.failure.reason))
    }
    const abort = new AbortController()
    const startedAt = clock.now()
    // A result that arrives after close() changes nothing (transition ignores it) and is answered as closed.
    const keys = fetchKeys(abort.signal).then(
      (next) => {
        transition({ type: 'fetched', keys: next, durationMs: clock.now() - startedAt })
        if (state.kind === 'closed') throw unavailable('closed')
        return next
      },
      (error: unknown) => {
        const reason = error instanceof IssuerFetchError ? error.reason : 'network'
        transition({ type: 'failed', reason, detail: error instanceof Error ? error.message : 'unknown error' })
        throw unavailable(state.kind === 'closed' ? 'closed' : reason, error)
      },
    )
    inFlight = { keys, abort }
    const settled = () => {
      if (inFlight?.keys === keys) inFlight = undefined
    }
    keys.then(settled, settled)
    return keys
  }

  /** Held keys that may be used now: fresh as they are, or stale while a background refresh runs; else undefined. */
  function keysAtHand(): KeySnapshot | undefined {
    if (state.kind === 'empty') return undefined
    if (state.kind === 'closed')
      return state.keys !== undefined && phaseOf(state.keys) !== 'expired' ? state.keys : undefined
    const phase = phaseOf(state.keys)
    if (phase === 'fresh') return state.keys
    if (phase === 'stale') {
      load().catch(() => {})
      return state.keys
    }
    return undefined
  }

  /** Keys that may be used now, else a fetch (refused at once while closed). */
  function usableKeys(): Promise<KeySnapshot> | KeySnapshot {
    const keys = keysAtHand()
    if (keys !== undefined) return keys
    return state.kind === 'closed' ? Promise.reject(unavailable('closed')) : load()
  }

  async function keysFor(alg: string, kid: string | undefined): Promise<readonly PublishedKey[]> {
    let keys = await usableKeys()
    if (kid === undefined || keys.hasKid(kid)) return keys.candidates(alg, kid)
    // An unknown kid may mean the issuer rotated its keys. A fetch already running may bring it.
    if (inFlight !== undefined) {
      keys = await inFlight.keys
      if (keys.hasKid(kid)) return keys.candidates(alg, kid)
    }
    // Refetch at most once per cooldown for unknown kids, so a flood of made-up ones costs one fetch. While the
    // issuer is failing, the key may well be new: that is a 503, not the client's fault.
    if (state.kind !== 'closed' && state.failure !== undefined && clock.now() < state.failure.retryAt) {
      throw unavailable(state.failure.reason)
    }
    if (state.kind === 'closed' || clock.now() - lastKidRefetchAt < cooldownMs) {
      throw InvalidTokenError.of('unknown_key')
    }
    lastKidRefetchAt = clock.now()
    keys = await load()
    if (!keys.hasKid(kid)) throw InvalidTokenError.of('unknown_key')
    return keys.candidates(alg, kid)
  }

  function health(): KeySetHealth {
    const keys = state.kind === 'empty' ? undefined : state.keys
    const phase = state.kind === 'closed' ? 'closed' : phaseOf(keys)
    return {
      ready: phase === 'fresh' || phase === 'stale',
      state: phase,
      keys: keys?.keys.length ?? 0,
      fetchedAt: keys === undefined ? null : new Date(keys.fetchedAt).toISOString(),
      lastFailure: state.kind === 'closed' ? null : (state.failure?.reason ?? null),
    }
  }

  return {
    async issuer() {
      if (metadata === undefined) await load()
      // load() sets metadata before it can resolve.
      return (metadata as IssuerMetadata).issuer
    },
    keysFor,
    // The path of nearly every request: no promise to wait for (each async step was a microtask per request).
    keysNow(alg, kid) {
      if (metadata === undefined) return undefined
      const keys = keysAtHand()
      if (keys === undefined || (kid !== undefined && !keys.hasKid(kid))) return undefined
      return { issuer: metadata.issuer, candidates: keys.candidates(alg, kid) }
    },
    isCurrent(key) {
      const keys = state.kind === 'empty' ? undefined : state.keys
      return keys?.keys.includes(key) === true && phaseOf(keys) !== 'expired'
    },
    refresh: () => load().then(health, health),
    health,
    close: () => transition({ type: 'closed' }),
  }
}

export type { KeySetEvent }
