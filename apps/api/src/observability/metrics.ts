import { AUTH_OUTCOMES, type AuthOutcome } from '@repo/access-token'
import type { Metric, MetricObjectWithValues, MetricValue } from 'prom-client'
import { createFastCounter, createRequestMetrics, type RequestMetrics } from './fast-metrics.ts'
import { createKeySetMetrics, type KeySetMetrics } from './key-set-metrics.ts'
import { collectProcessMetrics, Registry } from './prom-client.ts'

export interface ApiMetricsOptions {
  /** Prepended to every series name. @default "api_" */
  readonly prefix?: string
  /** The process figures (CPU, memory, file descriptors, event-loop lag). @default true */
  readonly processMetrics?: boolean
  /** @default Date.now */
  readonly now?: () => number
}

/**
 * The extension point for components that count things of their own, e.g. the token cache
 * (`token_cache_hits_total`, `token_cache_misses_total`, `token_cache_evictions_total`) or the DPoP replay store
 * (`dpop_replays_refused_total`). Names get the metrics prefix; call once per name, when the component is built.
 */
export interface MetricsExtensions {
  counter(name: string, help: string): { inc(by?: number): void }
}

export interface ApiMetrics extends MetricsExtensions {
  readonly requests: RequestMetrics
  /** One authentication, by its outcome (`authOutcome()` of the error, or `ok`). */
  recordAuth(outcome: AuthOutcome): void
  readonly keySet: KeySetMetrics
  /** The Prometheus text format, and its content type. */
  render(): Promise<string>
  readonly contentType: string
  /** Every metric as prom-client JSON, for summing the workers' metrics in one answer. */
  snapshot(): Promise<MetricObjectWithValues<MetricValue<string>>[]>
}

/**
 * prom-client's default metrics run on Bun, but some read V8-only figures (heap spaces, GC) that Bun reports as
 * zeros: only the ones with real values are exported. In this order: a collector sets all its metrics from the
 * first one's `collect`, so a metric rendered before that one (heap used before heap total) showed the previous
 * scrape's value, 0 on the first.
 */
const PROCESS_METRICS = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
]

// The event-loop monitor of the process metrics cannot be stopped: one per process (and prefix) is enough.
let processRegistries: Map<string, Registry> | undefined
function processRegistry(prefix: string): Registry {
  processRegistries ??= new Map()
  let registry = processRegistries.get(prefix)
  if (registry === undefined) {
    registry = new Registry()
    collectProcessMetrics(registry, prefix)
    processRegistries.set(prefix, registry)
  }
  return registry
}

/** The app's metrics registry: requests, auth outcomes, the key set, process figures and extension counters. */
export function createApiMetrics(options: ApiMetricsOptions = {}): ApiMetrics {
  const prefix = options.prefix ?? 'api_'
  const registry = new Registry()
  if (options.processMetrics ?? true) {
    const source = processRegistry(prefix)
    for (const name of PROCESS_METRICS) {
      const metric = source.getSingleMetric(`${prefix}${name}`)
      if (metric !== undefined) registry.registerMetric(metric as Metric)
    }
  }
  const requests = createRequestMetrics(registry, prefix)
  const auth = createFastCounter(registry, {
    name: `${prefix}auth_outcomes_total`,
    help: 'Authentications of requests to protected routes, by outcome (ok, or why the request was refused)',
    label: 'outcome',
    values: AUTH_OUTCOMES,
  })
  const keySet = createKeySetMetrics(registry, prefix, options.now ?? Date.now)
  return {
    requests,
    recordAuth: (outcome) => auth.inc(outcome),
    keySet,
    counter(name, help) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`metric name "${name}" must be snake_case`)
      const counter = createFastCounter(registry, { name: `${prefix}${name}`, help })
      return { inc: (by = 1) => counter.inc('', by) }
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
    snapshot: () => registry.getMetricsAsJSON() as Promise<MetricObjectWithValues<MetricValue<string>>[]>,
  }
}
