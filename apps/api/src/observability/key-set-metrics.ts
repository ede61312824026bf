import type { IssuerUnavailableReason, KeySetEvent, KeySetHealth, KeySetPhase } from '@repo/access-token'
import { createFastCounter } from './fast-metrics.ts'
import { Gauge, type Registry } from './prom-client.ts'

const STATES: readonly KeySetPhase[] = ['not_loaded', 'fresh', 'stale', 'expired', 'closed']
// `closed` is not a failure of the issuer (a fetch aborted by shutdown emits no event).
const FAILURE_REASONS: readonly IssuerUnavailableReason[] = [
  'timeout',
  'network',
  'http_status',
  'invalid_response',
  'issuer_mismatch',
]

export interface KeySetMetrics {
  /** Counts the key set's events: pass it (with the logger) as the key set's `onEvent`. */
  record(event: KeySetEvent): void
  /** Reads state, keys and age from `health()` whenever /metrics is scraped. */
  watch(keySet: { health(): KeySetHealth }): void
}

/**
 * `<prefix>key_set_fetches_total`, `..._fetch_failures_total{reason}`, `..._rotations_total`, and at scrape time
 * `..._state{state}` (1 for the current state, 0 for the others), `..._keys` and `..._age_seconds`.
 */
export function createKeySetMetrics(registry: Registry, prefix: string, now: () => number): KeySetMetrics {
  const fetches = createFastCounter(registry, {
    name: `${prefix}key_set_fetches_total`,
    help: "Successful fetches of the issuer's key set",
  })
  const failures = createFastCounter(registry, {
    name: `${prefix}key_set_fetch_failures_total`,
    help: "Failed fetches of the issuer's key set (or discovery document), by reason",
    label: 'reason',
    values: FAILURE_REASONS,
  })
  const rotations = createFastCounter(registry, {
    name: `${prefix}key_set_rotations_total`,
    help: 'Fetches that brought keys that were not held before, or dropped some',
  })

  let source: { health(): KeySetHealth } | undefined
  const state = new Gauge({
    name: `${prefix}key_set_state`,
    help: 'The key set state: 1 for the current one (not_loaded, fresh, stale, expired, closed), 0 for the others',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = source?.health().state ?? 'not_loaded'
      for (const name of STATES) this.set({ state: name }, name === current ? 1 : 0)
    },
  })
  state.set({ state: 'not_loaded' }, 1)
  new Gauge({
    name: `${prefix}key_set_keys`,
    help: 'Public keys held',
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.set(source?.health().keys ?? 0)
    },
  })
  new Gauge({
    name: `${prefix}key_set_age_seconds`,
    help: 'Seconds since the held keys were fetched (NaN before the first good fetch)',
    registers: [registry],
    aggregator: 'max',
    collect() {
      const fetchedAt = source?.health().fetchedAt
      this.set(fetchedAt == null ? Number.NaN : Math.max(0, (now() - Date.parse(fetchedAt)) / 1000))
    },
  })

  return {
    record(event) {
      if (event.type === 'jwks_fetched') fetches.inc()
      else if (event.type === 'jwks_rotated') rotations.inc()
      else failures.inc(event.reason)
    },
    watch(keySet) {
      source = keySet
    },
  }
}
