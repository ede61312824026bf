// One run of wrk (the HTTP load generator, Debian package `wrk`), with the Lua hooks in ../lua that count answers
// by status and print the figures as one JSON line. wrk keeps `connections` keep-alive connections busy: each
// sends its next request as soon as the previous answer has been read (a closed loop).
import { join } from 'node:path'
import { trackChild } from './children.ts'
import { pinnedCommand } from './cpu-pinning.ts'

const luaDir = join(import.meta.dir, '..', 'lua')

/** Why wrk could not be used; the message says how to install it. */
export class WrkMissingError extends Error {
  override readonly name = 'WrkMissingError'
  readonly code = 'WRK_MISSING'
  constructor() {
    super(
      'wrk (the HTTP load generator) was not found on PATH. Install it, then run the benchmark again:\n' +
        '  apt-get install -y wrk        (Debian/Ubuntu; run `apt-get update` first on a fresh machine)',
    )
  }
}

/** The path of the `wrk` executable; throws `WrkMissingError` (with install instructions) when there is none. */
export function requireWrk(): string {
  const path = Bun.which('wrk')
  if (path === null) throw new WrkMissingError()
  return path
}

/** wrk's version line, e.g. `wrk debian/4.1.0-3+b2 [epoll]`. */
export function wrkVersion(): string {
  const result = Bun.spawnSync([requireWrk(), '--version'], { stdout: 'pipe', stderr: 'pipe' })
  const text = `${result.stdout.toString()}${result.stderr.toString()}`
  return /^wrk\s+\S+(?:\s+\[\w+\])?/m.exec(text)?.[0] ?? 'wrk (version unknown)'
}

export interface WrkOptions {
  readonly url: string
  /** Whole seconds (wrk takes no fractions); at least 1. */
  readonly seconds: number
  readonly connections: number
  /** @default 1 */
  readonly threads?: number
  /** Sent with every request (unless `tokenFile` replaces `Authorization`). */
  readonly headers?: Readonly<Record<string, string>>
  /** A file of tokens, one a line: each request carries the next one as `Authorization: Bearer …`. */
  readonly tokenFile?: string | undefined
  /** `taskset -c` list for wrk. */
  readonly cpus?: string | undefined
  /** A request without an answer after this long counts as a timeout. @default 5 */
  readonly timeoutSeconds?: number
}

export interface WrkResult {
  /** Answers completed in the run (any status). */
  readonly requests: number
  readonly durationSeconds: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly meanMs: number
  readonly maxMs: number
  /** Answers by HTTP status. */
  readonly statuses: ReadonlyMap<number, number>
  /** wrk's own count of answers with a status above 399. */
  readonly statusErrors: number
  /** Socket-level failures: connect, read and write errors and timeouts. */
  readonly socketErrors: {
    readonly connect: number
    readonly read: number
    readonly write: number
    readonly timeout: number
  }
}

interface WrkJson {
  requests: number
  durationUs: number
  latencyUs: { p50: number; p99: number; mean: number; max: number }
  errors: { connect: number; read: number; write: number; timeout: number; status: number }
  statuses: Record<string, number>
}

/** Reads the `BENCH_JSON` line that lua/report.lua prints; undefined when there is none. */
export function parseWrkOutput(stdout: string): WrkResult | undefined {
  const line = stdout.split('\n').find((each) => each.startsWith('BENCH_JSON '))
  if (line === undefined) return undefined
  const json = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkJson
  const durationSeconds = json.durationUs / 1e6
  const { status, ...socketErrors } = json.errors
  return {
    requests: json.requests,
    durationSeconds,
    perSecond: durationSeconds > 0 ? json.requests / durationSeconds : 0,
    p50Ms: json.latencyUs.p50 / 1000,
    p99Ms: json.latencyUs.p99 / 1000,
    meanMs: json.latencyUs.mean / 1000,
    maxMs: json.latencyUs.max / 1000,
    statuses: new Map(Object.entries(json.statuses).map(([code, count]) => [Number(code), count])),
    statusErrors: status,
    socketErrors,
  }
}

/** Runs wrk once against `url` and returns what it measured; throws with wrk's output if it fails. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const { url, connections, threads = 1, headers = {}, tokenFile, cpus, timeoutSeconds = 5 } = options
  const seconds = Math.max(1, Math.round(options.seconds))
  const script = join(luaDir, tokenFile === undefined ? 'report.lua' : 'token-pool.lua')
  const cmd = [
    requireWrk(),
    `--threads=${threads}`,
    `--connections=${Math.max(connections, threads)}`,
    `--duration=${seconds}s`,
    `--timeout=${timeoutSeconds}s`,
    `--script=${script}`,
    ...Object.entries(headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`]),
    url,
    ...(tokenFile === undefined ? [] : ['--', tokenFile]),
  ]
  const child = trackChild(
    Bun.spawn(pinnedCommand(cmd, cpus), { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: {} }),
  )
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  const result = exitCode === 0 ? parseWrkOutput(stdout) : undefined
  if (result === undefined) {
    throw new Error(`wrk failed (exit ${exitCode}) against ${url}:\n${`${stdout}\n${stderr}`.trim()}`)
  }
  return result
}
