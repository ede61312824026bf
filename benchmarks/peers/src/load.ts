// A closed-loop load generator: `concurrency` loops, each sending its next request as soon as the previous
// answer has been read in full, over Bun's fetch (keep-alive, connections reused). Only answers that arrive
// inside the measurement window count; the warm-up before it opens the connections and warms both JITs.

export interface LoadOptions {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The status every answer should have; any other is counted in `unexpected`. */
  readonly expectedStatus: number
  readonly concurrency: number
  readonly warmupMs: number
  readonly durationMs: number
}

export interface LoadResult {
  /** Answers received inside the window (any status). */
  readonly requests: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Answers with another status than `expectedStatus`, by status. */
  readonly unexpected: ReadonlyMap<number, number>
  /** Requests that failed without an answer (connection refused or reset). */
  readonly failures: number
  /** Answers received in all, warm-up included: what the server and the issuer saw. */
  readonly answersWithWarmup: number
}

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const windowStart = performance.now() + options.warmupMs
  const windowEnd = windowStart + options.durationMs
  const latencies: number[] = []
  const unexpected = new Map<number, number>()
  let failures = 0
  let answersWithWarmup = 0

  async function loop(): Promise<void> {
    while (performance.now() < windowEnd) {
      const started = performance.now()
      let status: number | undefined
      try {
        const response = await fetch(options.url, { headers: options.headers })
        await response.arrayBuffer() // read the body in full, or the connection cannot be reused
        status = response.status
      } catch {
        status = undefined
      }
      const finished = performance.now()
      const inWindow = finished >= windowStart && finished <= windowEnd
      if (status === undefined) {
        if (inWindow) failures += 1
        await Bun.sleep(1) // a refused connection fails at once: do not spin
        continue
      }
      answersWithWarmup += 1
      if (!inWindow) continue
      latencies.push(finished - started)
      if (status !== options.expectedStatus) unexpected.set(status, (unexpected.get(status) ?? 0) + 1)
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, loop))
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    perSecond: latencies.length / (options.durationMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    unexpected,
    failures,
    answersWithWarmup,
  }
}
