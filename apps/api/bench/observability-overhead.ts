/**
 * `bun run bench:observability`: what request ids, metrics and the access log cost, over HTTP with wrk.
 *
 * Each variant is this script re-run as a server child process pinned to CPU 0 (wrk on CPU 1, when the machine
 * has two), loaded in turn for a few rounds, so that drift on a shared machine hits every variant alike:
 * - `off`: the app without the observability plugin (what the API was before it);
 * - `metrics`: request ids and metrics (what LOG_LEVEL=warn runs);
 * - `metrics+log`: plus one access-log line per request, written to a pipe (the default, LOG_LEVEL=info).
 * Needs `wrk` on the PATH. Figures vary with the machine: read the ratios.
 */
import { loadAuthConfig } from '@repo/auth-config'
import { startIssuerStub } from '@repo/testing'
import { Elysia } from 'elysia'
import { createApp } from '../src/app.ts'
import { createAuthRuntime } from '../src/auth.ts'
import { createJsonLogger, silentLogger } from '../src/logger.ts'
import { createApiMetrics } from '../src/observability/metrics.ts'
import { createObservability, type Observability } from '../src/observability/observability.ts'

const VARIANTS = ['off', 'metrics', 'metrics+log'] as const
type Variant = (typeof VARIANTS)[number]
const audience = 'https://api.example.test'

async function serve(variant: Variant, issuerUrl: string): Promise<void> {
  const { config } = loadAuthConfig({ AUTH0_ISSUER_BASE_URL: issuerUrl, AUTH0_API_AUDIENCE: audience })
  const logger = variant === 'metrics+log' ? createJsonLogger() : silentLogger
  const metrics = createApiMetrics()
  const runtime = createAuthRuntime(config, { logger, onKeySetEvent: metrics.keySet.record })
  await runtime.keySet.refresh()
  const observability: Observability =
    variant === 'off'
      ? {
          plugin: new Elysia({ name: 'observability' }) as unknown as Observability['plugin'],
          observeAuthenticator: (authenticator) => authenticator,
          requestId: () => undefined,
          wrap: (fetch) => fetch,
        }
      : createObservability({ logger, metrics })
  const app = createApp({ ...runtime, logger, observability })
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: observability.wrap(app.fetch) })
  process.stderr.write(`${server.port}\n`)
}

/** The server's CPU time so far, in seconds (user + system), from /proc: steadier than req/s on a shared machine. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await Bun.file(`/proc/${pid}/stat`).text()).split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function wrk(url: string, token: string | undefined, seconds: number): Promise<{ rate: number; count: number }> {
  const cpus = navigator.hardwareConcurrency > 1 ? ['taskset', '-c', '1'] : []
  const header = token === undefined ? [] : ['-H', `Authorization: Bearer ${token}`]
  const proc = Bun.spawn([...cpus, 'wrk', '-t1', '-c32', `-d${seconds}s`, ...header, url], { stdout: 'pipe' })
  const output = await new Response(proc.stdout).text()
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output)
  const count = /(\d+) requests in/.exec(output)
  if (rate === null || count === null || /Non-2xx/.test(output)) throw new Error(`wrk: ${output}`)
  return { rate: Number(rate[1]), count: Number(count[1]) }
}

async function startServer(variant: Variant, issuerUrl: string) {
  const cpus = navigator.hardwareConcurrency > 1 ? ['taskset', '-c', '0'] : []
  const proc = Bun.spawn([...cpus, 'bun', import.meta.path, '--serve', variant, issuerUrl], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  // Drain the access log as a log shipper would.
  void (async () => {
    for await (const _ of proc.stdout) {
    }
  })()
  const reader = proc.stderr.getReader()
  const { value } = await reader.read()
  const port = Number(new TextDecoder().decode(value).trim())
  return { url: `http://127.0.0.1:${port}`, pid: proc.pid, stop: () => proc.kill() }
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
  const issuer = await startIssuerStub({ audience })
  const token = await issuer.mint({ exp: Math.floor(Date.now() / 1000) + 3600 })
  const results = new Map<string, number[]>()
  const cpu = new Map<string, number[]>()
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) {
      const server = await startServer(variant, issuer.baseUrl)
      await wrk(`${server.url}/api/public`, undefined, 1) // warm-up
      for (const [path, bearer] of [
        ['/api/public', undefined],
        ['/api/private', token],
      ] as const) {
        const before = await cpuSeconds(server.pid)
        const { rate, count } = await wrk(`${server.url}${path}`, bearer, seconds)
        const used = (await cpuSeconds(server.pid)) - before
        const key = `${variant} ${path}`
        results.set(key, [...(results.get(key) ?? []), rate])
        cpu.set(key, [...(cpu.get(key) ?? []), (used / count) * 1e6])
      }
      server.stop()
    }
  }
  await issuer.close()
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  const change = (value: number, base: number) =>
    `${value >= base ? '+' : ''}${(((value - base) / base) * 100).toFixed(1)} %`
  console.log('| Variant | Route | req/s | vs off | server CPU µs/request | vs off |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const path of ['/api/public', '/api/private']) {
    for (const variant of VARIANTS) {
      const rate = median(results.get(`${variant} ${path}`) ?? [0])
      const baseRate = median(results.get(`off ${path}`) ?? [1])
      const us = median(cpu.get(`${variant} ${path}`) ?? [0])
      const baseUs = median(cpu.get(`off ${path}`) ?? [1])
      const cells = [Math.round(rate).toLocaleString('en'), change(rate, baseRate), us.toFixed(1), change(us, baseUs)]
      console.log(`| ${variant} | GET ${path} | ${cells.join(' | ')} |`)
    }
  }
  console.log(`(${rounds} rounds of ${seconds} s per cell, median; wrk -c32 on CPU 1, the server on CPU 0)`)
}

if (process.argv[2] === '--serve') await serve(process.argv[3] as Variant, process.argv[4] as string)
else await main()
