import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type IssuerStub, spawnLogged, startIssuerStub } from '@repo/testing'
import { audience } from './helpers.ts'

// WEB_CONCURRENCY: the supervisor and its workers, as processes, from the sources and from the compiled binary.
const appDir = join(import.meta.dir, '..')
const outside = mkdtempSync(join(tmpdir(), 'api-workers-'))
let issuer: IssuerStub

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(async () => {
  await issuer.close()
  rmSync(outside, { recursive: true, force: true })
})

function start(command: string[], env: Record<string, string> = {}) {
  return spawnLogged(command, {
    cwd: outside,
    env: {
      AUTH0_ISSUER_BASE_URL: issuer.baseUrl,
      AUTH0_API_AUDIENCE: audience,
      PORT: '0',
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: '2',
      ACCESS_LOG: 'true',
      ...env,
    },
  })
}

type Server = ReturnType<typeof start>
const lines = (server: Server) =>
  server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)

/** Waits until `count` lines with this event were logged (the workers log theirs independently). */
const waitForLogs = (server: Server, event: string, count: number) => server.waitForLogs(event, count)

describe('WEB_CONCURRENCY=2 (sources)', () => {
  let server: Server
  let base: string
  let metricsUrl: string

  beforeAll(async () => {
    server = start(['bun', '--no-env-file', join(appDir, 'src', 'index.ts')], { METRICS_PORT: '0' })
    const started = await waitForLogs(server, 'server_started', 2)
    metricsUrl = String((await server.waitForLog('supervisor_started')).metrics)
    await waitForLogs(server, 'readiness', 2)
    expect(new Set(started.map((line) => line.url)).size).toBe(1)
    expect(started.map((line) => line.worker).sort()).toEqual([1, 2])
    base = String(started[0]?.url)
  })
  afterAll(() => server.proc.kill('SIGKILL'))

  test('two workers share the port; connections are spread over both; /metrics sums them', async () => {
    const requests = 60
    for (let i = 0; i < requests; i++) {
      const response = await fetch(`${base}/api/public`, { headers: { connection: 'close' } })
      expect(response.status).toBe(200)
    }
    const served = () => lines(server).filter((line) => line.event === 'request' && line.route === '/api/public')
    // Access-log lines are written after each answer: wait for them.
    await server.waitForLogs('request', requests)
    expect(served().length).toBe(requests)
    expect(new Set(served().map((line) => line.worker))).toEqual(new Set([1, 2]))
    const text = await (await fetch(metricsUrl)).text()
    expect(text).toContain(`api_http_requests_total{method="GET",route="/api/public",status="200"} ${requests}`)
    expect(text).toContain('api_key_set_state{state="fresh"} 2') // one key set per worker, both fresh
    expect((await fetch(`${base}/metrics`)).status).toBe(404) // METRICS_PORT set: not on the API port
  })

  test('SIGTERM reaches every worker; each drains; the supervisor exits 0 once they have', async () => {
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
    expect(
      lines(server)
        .filter((line) => line.event === 'server_stopped')
        .map((line) => line.worker)
        .sort(),
    ).toEqual([1, 2])
    expect(server.output()).toContain('"event":"supervisor_stopped"')
  })
})

test('SIGTERM while a worker is still starting is a stop, not a failure: the supervisor exits 0', async () => {
  const server = start(['bun', '--no-env-file', join(appDir, 'src', 'index.ts')])
  try {
    // Worker 2 is spawned once worker 1 listens: it is starting now, without its signal handlers yet.
    await server.waitForLog('server_started')
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
    expect(lines(server).find((line) => line.event === 'supervisor_stopped')?.failed).toBe(false)
    expect(server.output()).not.toContain('"event":"worker_exited"')
  } finally {
    server.proc.kill('SIGKILL')
  }
})

test('a worker that dies is not restarted: the others drain and the supervisor exits 1', async () => {
  const server = start(['bun', '--no-env-file', join(appDir, 'src', 'index.ts')])
  try {
    const started = await waitForLogs(server, 'server_started', 2)
    // Without METRICS_PORT, /metrics on the API port sums every worker, whichever one answers.
    await waitForLogs(server, 'readiness', 2)
    const base = String(started[0]?.url)
    await fetch(`${base}/api/public`)
    const text = await (await fetch(`${base}/metrics`)).text()
    expect(text).toContain('api_key_set_fetches_total 2')
    process.kill(Number(started[0]?.pid), 'SIGKILL')
    expect(await server.proc.exited).toBe(1)
    expect(server.output()).toContain('"event":"worker_exited"')
    expect(lines(server).filter((line) => line.event === 'server_stopped')).toHaveLength(1)
  } finally {
    server.proc.kill('SIGKILL')
  }
})

test('the compiled binary re-executes itself as its workers', async () => {
  const binary = join(outside, 'api')
  // The package's own build command (bytecode and all), with another output file.
  const command = (await Bun.file(join(appDir, 'package.json')).json()).scripts.build.split(' ')
  const build = Bun.spawnSync([...command.slice(0, command.indexOf('--outfile') + 1), binary], {
    cwd: appDir,
    stdout: 'pipe',
    stderr: 'pipe',
  })
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  const server = start([binary])
  try {
    const started = await waitForLogs(server, 'server_started', 2)
    await waitForLogs(server, 'readiness', 2)
    expect(started.map((line) => line.worker).sort()).toEqual([1, 2])
    expect((await fetch(`${started[0]?.url}/api/public`)).status).toBe(200)
    const token = await issuer.mint()
    const answer = await fetch(`${started[0]?.url}/api/private`, { headers: { authorization: `Bearer ${token}` } })
    expect(answer.status).toBe(200)
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
  } finally {
    server.proc.kill('SIGKILL')
  }
}, 60_000)
