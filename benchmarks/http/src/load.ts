// A measurement as both benchmarks take it: a wrk warm-up (opens the connections, warms the server's JIT and
// caches) then a separate measured wrk run, with hooks just before and after the measured window for figures
// read outside wrk (the server's CPU time and memory).
import { runWrk, type WrkResult } from './wrk.ts'

export interface LoadSettings {
  /** Keep-alive connections wrk holds open. `BENCH_CONNECTIONS`, default 50. */
  readonly connections: number
  /** wrk threads. Default 1 (the load side has one core). */
  readonly threads: number
  /** `BENCH_WARMUP_SECONDS`, default 3; 0 skips the warm-up. */
  readonly warmupSeconds: number
  /** The measured window. `BENCH_SECONDS`, default 10. */
  readonly seconds: number
}

function positiveNumber(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) throw new TypeError(`${name} must be a number ≥ ${min}, got "${raw}"`)
  return value
}

/** The load settings both benchmarks share, from `BENCH_CONNECTIONS`, `BENCH_WARMUP_SECONDS` and `BENCH_SECONDS`. */
export function loadSettingsFromEnv(env: Record<string, string | undefined> = process.env): LoadSettings {
  return Object.freeze({
    connections: Math.round(positiveNumber(env, 'BENCH_CONNECTIONS', 50, 1)),
    threads: 1,
    warmupSeconds: Math.round(positiveNumber(env, 'BENCH_WARMUP_SECONDS', 3, 0)),
    seconds: Math.round(positiveNumber(env, 'BENCH_SECONDS', 10, 1)),
  })
}

export interface LoadOptions extends LoadSettings {
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  /** A file of tokens, one a line, cycled through (see lua/token-pool.lua). */
  readonly tokenFile?: string | undefined
  /** The status every answer should have; any other is counted in `unexpected`. */
  readonly expectedStatus: number
  /** `taskset -c` list for wrk. */
  readonly cpus?: string | undefined
  /** Called just before the measured run starts. */
  readonly beforeWindow?: () => void
  /** Called just after the measured run has ended. */
  readonly afterWindow?: () => void
}

export interface LoadResult {
  /** Answers received in the measured window (any status). */
  readonly requests: number
  readonly durationSeconds: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Answers in the measured window by status. */
  readonly statuses: ReadonlyMap<number, number>
  /** Answers in the measured window with another status than `expectedStatus`, by status. */
  readonly unexpected: ReadonlyMap<number, number>
  /** Requests in the measured window that failed without an answer (connect/read/write errors, timeouts). */
  readonly failures: number
  /** Answers received in all, warm-up included: what the server and the issuer saw. */
  readonly answersWithWarmup: number
  readonly measured: WrkResult
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, headers, tokenFile, connections, threads, cpus } = options
  const common = { url, headers: headers ?? {}, tokenFile, connections, threads, cpus }
  const warmup = options.warmupSeconds > 0 ? await runWrk({ ...common, seconds: options.warmupSeconds }) : undefined
  options.beforeWindow?.()
  const measured = await runWrk({ ...common, seconds: options.seconds })
  options.afterWindow?.()
  const unexpected = new Map([...measured.statuses].filter(([status]) => status !== options.expectedStatus))
  const { connect, read, write, timeout } = measured.socketErrors
  return {
    requests: measured.requests,
    durationSeconds: measured.durationSeconds,
    perSecond: measured.perSecond,
    p50Ms: measured.p50Ms,
    p99Ms: measured.p99Ms,
    statuses: measured.statuses,
    unexpected,
    failures: connect + read + write + timeout,
    answersWithWarmup: measured.requests + (warmup?.requests ?? 0),
    measured,
  }
}
