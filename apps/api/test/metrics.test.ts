import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createApiMetrics } from '../src/observability/metrics.ts'
import { createObservedApi, send, useIssuerStub } from './observed-api.ts'

const ctx = useIssuerStub()
let api: ReturnType<typeof createObservedApi>

beforeAll(() => {
  api = createObservedApi(ctx.issuer)
})
afterAll(() => api.runtime.keySet.close())

/** The exposition's samples as `name{labels} value` lines, without comments. */
async function scrape(): Promise<string[]> {
  // The scrape itself is counted once its response is sent: after this exposition was rendered.
  const response = await send(api.app, '/metrics')
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  const text = await response.text()
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
}
const sample = (lines: string[], series: string) => {
  const line = lines.find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('GET /metrics', () => {
  test('counts a known mix of requests exactly, by route template, method and status, and auth outcomes', async () => {
    const { issuer } = ctx
    const good = await issuer.mint({ scope: 'read:messages' })
    const expired = await issuer.mint({ exp: Math.floor(Date.now() / 1000) - 3600 })
    const otherAudience = await issuer.mint({ aud: 'https://another-api.example.test' })
    const limited = await issuer.mint({ scope: 'write:messages' })
    for (let i = 0; i < 3; i++) await send(api.app, '/api/public')
    await send(api.app, '/api/public', { method: 'HEAD' })
    await send(api.app, '/api/private', { token: good })
    await send(api.app, '/api/private-scoped', { token: good })
    await send(api.app, '/api/private')
    await send(api.app, '/api/private', { token: expired })
    await send(api.app, '/api/private', { token: otherAudience })
    await send(api.app, '/api/private', { token: 'a b' })
    await send(api.app, '/api/private-scoped', { token: limited })
    await send(api.app, `/api/messages?access_token=${good}`, { method: 'POST', body: '{"text":"hi"}' })
    await send(api.app, '/nope')

    const lines = await scrape()
    const requests = (labels: string) => sample(lines, `api_http_requests_total{${labels}}`)
    expect(requests('method="GET",route="/api/public",status="200"')).toBe(3)
    expect(requests('method="HEAD",route="/api/public",status="200"')).toBe(1)
    expect(requests('method="GET",route="/api/private",status="200"')).toBe(1)
    expect(requests('method="GET",route="/api/private",status="401"')).toBe(3)
    expect(requests('method="GET",route="/api/private",status="400"')).toBe(1)
    expect(requests('method="GET",route="/api/private-scoped",status="200"')).toBe(1)
    expect(requests('method="GET",route="/api/private-scoped",status="403"')).toBe(1)
    expect(requests('method="POST",route="/api/messages",status="400"')).toBe(1)
    expect(requests('method="GET",route="unmatched",status="404"')).toBe(1)
    expect(lines.filter((l) => l.startsWith('api_http_requests_total{')).length).toBe(9)

    const auth = (outcome: string) => sample(lines, `api_auth_outcomes_total{outcome="${outcome}"}`)
    expect(auth('ok')).toBe(2)
    expect(auth('insufficient_scope')).toBe(1)
    expect(auth('missing')).toBe(1)
    expect(auth('expired')).toBe(1)
    expect(auth('audience')).toBe(1)
    expect(auth('invalid_request')).toBe(2)
    expect(auth('signature')).toBe(0)
    expect(auth('issuer_unavailable')).toBe(0)

    const duration = 'api_http_request_duration_seconds'
    expect(sample(lines, `${duration}_count{method="GET",route="/api/public",status="200"}`)).toBe(3)
    expect(sample(lines, `${duration}_bucket{method="GET",route="/api/public",status="200",le="+Inf"}`)).toBe(3)
    expect(sample(lines, `${duration}_sum{method="GET",route="/api/public",status="200"}`)).toBeGreaterThan(0)

    expect(sample(lines, 'api_key_set_fetches_total')).toBe(1)
    expect(sample(lines, 'api_key_set_fetch_failures_total{reason="network"}')).toBe(0)
    expect(sample(lines, 'api_key_set_state{state="fresh"}')).toBe(1)
    expect(sample(lines, 'api_key_set_state{state="not_loaded"}')).toBe(0)
    expect(sample(lines, 'api_key_set_keys')).toBe(1)
    expect(sample(lines, 'api_key_set_age_seconds')).toBeGreaterThanOrEqual(0)
  })

  test('random paths under a route, odd methods and scanner paths add no series; no label carries a path', async () => {
    const before = (await scrape()).map((line) => line.replace(/ [^ ]+$/, ''))
    const probes = [
      `/api/private/${crypto.randomUUID()}`,
      `/api/public/${crypto.randomUUID()}?q=${crypto.randomUUID()}`,
      '/.env',
      '/wp-login.php',
      '/api/../../etc/passwd',
      `/${'a'.repeat(2000)}`,
    ]
    for (const path of probes) expect((await send(api.app, path)).status).toBe(404)
    await send(api.app, '/api/public', { method: 'PROPFIND' })
    const after = (await scrape()).map((line) => line.replace(/ [^ ]+$/, ''))
    const added = after.filter((line) => !before.includes(line))
    // At most the PROPFIND request's own series, under the method label `other`.
    for (const line of added) expect(line).toContain('method="other"')
    const text = after.join('\n')
    for (const path of probes) expect(text).not.toContain(path.slice(1, 20))
    expect(sample(await scrape(), 'api_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(
      1 + probes.length,
    )
  })

  test('process metrics are exported on Bun without throwing, and extension counters register', async () => {
    const metrics = createApiMetrics({ prefix: 'test_' })
    const hits = metrics.counter('token_cache_hits_total', 'Token cache hits')
    hits.inc()
    hits.inc(2)
    const text = await metrics.render()
    expect(text).toContain('test_process_resident_memory_bytes ')
    expect(text).toContain('test_process_cpu_seconds_total ')
    expect(text).toContain('test_token_cache_hits_total 3')
    expect(() => metrics.counter('Bad-Name', 'x')).toThrow(TypeError)
  })

  test('every process metric has its value from this scrape, the first one included', async () => {
    const metrics = createApiMetrics({ prefix: 'first_' })
    const lines = (await metrics.render()).split('\n').filter((line) => line !== '' && !line.startsWith('#'))
    const value = (name: string) => sample(lines, `first_${name}`)
    for (const name of [
      'process_resident_memory_bytes',
      'process_open_fds',
      'process_max_fds',
      'nodejs_heap_size_total_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect([name, value(name)]).toEqual([name, expect.any(Number)])
      expect([name, (value(name) ?? 0) > 0]).toEqual([name, true])
    }
    expect(Math.abs((value('process_start_time_seconds') ?? 0) - (Date.now() - performance.now()) / 1000)).toBeLessThan(
      5,
    )
    const user = value('process_cpu_user_seconds_total') ?? Number.NaN
    const system = value('process_cpu_system_seconds_total') ?? Number.NaN
    expect(user).toBeGreaterThanOrEqual(0)
    expect(system).toBeGreaterThanOrEqual(0)
    expect(value('process_cpu_seconds_total')).toBeCloseTo(user + system, 6)
    expect(value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0)
    expect(value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0)
  })

  test('the CPU counters count the time spent since the previous scrape', async () => {
    const metrics = createApiMetrics({ prefix: 'cpu_' })
    const cpu = async () => {
      const lines = (await metrics.render()).split('\n')
      return sample(lines, 'cpu_process_cpu_seconds_total') ?? Number.NaN
    }
    const before = await cpu()
    const started = process.cpuUsage()
    let spent = 0
    // Busy until the process has used 50 ms of CPU more (measured, not slept).
    while (spent < 50_000) {
      const now = process.cpuUsage(started)
      spent = now.user + now.system
    }
    expect((await cpu()) - before).toBeGreaterThanOrEqual(0.05)
  })

  test("a server process never evaluates prom-client's index (Pushgateway, cluster, every default metric)", async () => {
    // What the index would bring: 2.5 MB of the compiled API's resident memory at rest (docs/performance.md).
    const loaded = Bun.spawn(
      [
        process.execPath,
        '-e',
        "await import('./src/main.ts'); console.log(JSON.stringify(Object.keys(require.cache)))",
      ],
      { cwd: `${import.meta.dir}/..`, stdout: 'pipe', stderr: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
    )
    const modules = JSON.parse(await new Response(loaded.stdout).text()) as string[]
    expect(await loaded.exited).toBe(0)
    const promClient = modules.filter((path) => path.includes('/prom-client/'))
    expect(promClient).toContainEqual(expect.stringContaining('/prom-client/lib/registry.js'))
    for (const file of [
      '/index.js',
      '/lib/pushgateway.js',
      '/lib/cluster.js',
      '/lib/defaultMetrics.js',
      'processCpuTotal',
    ]) {
      expect(promClient.filter((path) => path.includes(file))).toEqual([])
    }
  })
})
