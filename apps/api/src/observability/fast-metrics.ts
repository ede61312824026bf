/**
 * Metrics updated on every request, kept in plain numbers and handed to prom-client only when scraped.
 *
 * prom-client hashes the label object on every `inc()` and `observe()` (about a microsecond for a counter and a
 * histogram together on this machine): more than the whole 5 % budget of a public request. Here a request costs
 * two map look-ups and a few additions; the series are turned into prom-client's metric shape at scrape time and
 * rendered by its registry, so the text format, escaping and multi-process aggregation stay prom-client's.
 */
import type { Metric, Registry } from 'prom-client'

interface Value {
  readonly labels: Readonly<Record<string, string | number>>
  readonly value: number
  readonly metricName?: string
}

/**
 * Registers a metric whose values are computed when scraped: prom-client's `Registry` reads `name`, `help`, `type`
 * and `aggregator`, and calls `get()` (and `reset()` from `resetMetrics`), which is all this object implements.
 */
function register(
  registry: Registry,
  metric: { name: string; help: string; type: 'counter' | 'histogram' },
  values: () => Value[],
): void {
  const collected = {
    ...metric,
    aggregator: 'sum',
    get: () => ({ ...metric, aggregator: 'sum', values: values() }),
    reset() {},
  }
  registry.registerMetric(collected as unknown as Metric)
}

/** Upper bounds in seconds: from half a millisecond (a refusal) to 10 s (a request waiting on an issuer timeout). */
export const LATENCY_BUCKETS = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
])

/** Methods that get their own label value; any other (clients can send any token) is `other`. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other'] as const
const methodIndex = (method: string): number => {
  const index = METHODS.indexOf(method as (typeof METHODS)[number])
  return index === -1 ? METHODS.length - 1 : index
}

/** Route templates are the app's own, so they are few; this bound only guards against a future catch-all route. */
const MAX_ROUTES = 200
export const UNMATCHED_ROUTE = 'unmatched'
const OTHER_ROUTE = 'other'

interface Series {
  readonly labels: { readonly method: string; readonly route: string; readonly status: string }
  count: number
  sum: number
  /** Per bucket, not cumulative (the last one is +Inf); made cumulative when scraped. */
  readonly buckets: Float64Array
}

export interface RequestMetrics {
  /** One finished request: `route` is the matched template (never the path), or `unmatched`. */
  record(route: string, method: string, status: number, seconds: number): void
}

/** `<prefix>http_requests_total` and `<prefix>http_request_duration_seconds`, by method, route and status. */
export function createRequestMetrics(registry: Registry, prefix: string): RequestMetrics {
  const byRoute = new Map<string, Map<number, Series>>()
  const bounds = LATENCY_BUCKETS
  const all: Series[] = []

  function seriesFor(route: string, method: string, status: number): Series {
    let routeSeries = byRoute.get(route)
    if (routeSeries === undefined) {
      if (byRoute.size >= MAX_ROUTES && route !== OTHER_ROUTE) return seriesFor(OTHER_ROUTE, method, status)
      routeSeries = new Map()
      byRoute.set(route, routeSeries)
    }
    const m = methodIndex(method)
    const key = m * 1000 + status
    let series = routeSeries.get(key)
    if (series === undefined) {
      series = {
        labels: Object.freeze({ method: METHODS[m] as string, route, status: String(status) }),
        count: 0,
        sum: 0,
        buckets: new Float64Array(bounds.length + 1),
      }
      routeSeries.set(key, series)
      all.push(series)
    }
    return series
  }

  register(
    registry,
    {
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests answered, by method, route template (or "unmatched") and status',
      type: 'counter',
    },
    () => all.map(({ labels, count }) => ({ labels, value: count })),
  )

  const durationName = `${prefix}http_request_duration_seconds`
  register(
    registry,
    {
      name: durationName,
      help: 'Time from the request to the response handed to the server, by method, route template and status',
      type: 'histogram',
    },
    () => {
      const values: Value[] = []
      for (const { labels, count, sum, buckets } of all) {
        let cumulative = 0
        for (let i = 0; i <= bounds.length; i++) {
          cumulative += buckets[i] as number
          const le = i < bounds.length ? (bounds[i] as number) : '+Inf'
          values.push({ metricName: `${durationName}_bucket`, labels: { ...labels, le }, value: cumulative })
        }
        values.push({ metricName: `${durationName}_sum`, labels, value: sum })
        values.push({ metricName: `${durationName}_count`, labels, value: count })
      }
      return values
    },
  )

  return {
    record(route, method, status, seconds) {
      const series = seriesFor(route, method, status)
      series.count += 1
      series.sum += seconds
      let i = 0
      while (i < bounds.length && seconds > (bounds[i] as number)) i++
      ;(series.buckets as Float64Array)[i] = (series.buckets[i] as number) + 1
    },
  }
}

/** A counter with at most one label, cheap to increment; `values` listed up front are exported at 0. */
export interface FastCounter {
  inc(value?: string, by?: number): void
}

export function createFastCounter(
  registry: Registry,
  options: { name: string; help: string; label?: string; values?: readonly string[] },
): FastCounter {
  const { label } = options
  const counts = new Map<string, number>()
  for (const value of options.values ?? (label === undefined ? [''] : [])) counts.set(value, 0)
  register(registry, { name: options.name, help: options.help, type: 'counter' }, () =>
    [...counts].map(([value, count]) => ({ labels: label === undefined ? {} : { [label]: value }, value: count })),
  )
  return {
    inc(value = '', by = 1) {
      counts.set(value, (counts.get(value) ?? 0) + by)
    },
  }
}
