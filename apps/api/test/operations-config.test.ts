import { afterAll, describe, expect, test } from 'bun:test'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '@repo/auth-config'
import { spawnLogged } from '@repo/testing'
import { checkHealth } from '../src/healthcheck.ts'
import { createJsonLogger } from '../src/logger.ts'
import { loadObservabilityConfig } from '../src/observability/observability-config.ts'
import { loadServerConfig } from '../src/server-config.ts'

// The API from its sources, as `bun run start` runs it, in a directory with no `.env`, on any free port.
const ENTRY = join(import.meta.dir, '..', 'src', 'index.ts')
const PROCESS_ENV = { AUTH0_DOMAIN: 'tenant.example.invalid', AUTH0_API_AUDIENCE: 'a', PORT: '0', HOST: '127.0.0.1' }
const startApi = (env: Record<string, string> = {}) =>
  spawnLogged(['bun', '--no-env-file', ENTRY], { cwd: tmpdir(), env: { ...PROCESS_ENV, ...env } })

const problemsOf = (load: () => unknown) => {
  try {
    load()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable)
    throw error
  }
  return []
}

describe('server configuration', () => {
  test('defaults: /metrics on PORT, no shutdown delay, a 10 s drain, one process', () => {
    expect(loadServerConfig({})).toEqual({
      port: 8000,
      host: '0.0.0.0',
      metricsPort: undefined,
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
      workers: 1,
      cors: undefined,
      docsIssuerAlias: undefined,
    })
  })

  test('reads METRICS_PORT, SHUTDOWN_* (fractions too) and WEB_CONCURRENCY (auto: one per CPU)', () => {
    const config = loadServerConfig({
      METRICS_PORT: '9464',
      SHUTDOWN_DELAY_SECONDS: '5',
      SHUTDOWN_TIMEOUT_SECONDS: '2.5',
      WEB_CONCURRENCY: '3',
    })
    expect(config).toMatchObject({ metricsPort: 9464, shutdownDelayMs: 5000, shutdownTimeoutMs: 2500, workers: 3 })
    expect(loadServerConfig({ WEB_CONCURRENCY: 'auto' }).workers).toBe(Math.min(64, availableParallelism()))
  })

  test('every bad value is named at once', () => {
    expect(
      problemsOf(() =>
        loadServerConfig({
          PORT: '9464',
          METRICS_PORT: '9464',
          SHUTDOWN_DELAY_SECONDS: '-1',
          SHUTDOWN_TIMEOUT_SECONDS: 'ten',
          WEB_CONCURRENCY: '0',
        }),
      ),
    ).toEqual(['METRICS_PORT', 'SHUTDOWN_DELAY_SECONDS', 'SHUTDOWN_TIMEOUT_SECONDS', 'WEB_CONCURRENCY'])
    expect(problemsOf(() => loadServerConfig({ METRICS_PORT: '70000', WEB_CONCURRENCY: 'many' }))).toEqual([
      'METRICS_PORT',
      'WEB_CONCURRENCY',
    ])
  })
})

describe('observability configuration', () => {
  test('LOG_LEVEL defaults to info and must be one of debug, info, warn, error', () => {
    expect(loadObservabilityConfig({})).toEqual({
      logLevel: 'info',
      metrics: true,
      accessLog: false,
      tracing: undefined,
    })
    expect(loadObservabilityConfig({ ACCESS_LOG: 'true' }).accessLog).toBe(true)
    expect(loadObservabilityConfig({ LOG_LEVEL: 'WARN' }).logLevel).toBe('warn')
    expect(() => loadObservabilityConfig({ LOG_LEVEL: 'verbose' })).toThrow(
      'LOG_LEVEL must be one of debug, info, warn, error (e.g. LOG_LEVEL=info)',
    )
  })

  test('tracing is off unless an OTLP endpoint is set; the traces endpoint wins; OTEL_SDK_DISABLED turns it off', () => {
    expect(loadObservabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'api',
    })
    expect(
      loadObservabilityConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
        OTEL_SERVICE_NAME: 'orders-api',
      }).tracing,
    ).toEqual({ url: 'https://traces.example.com/otlp', serviceName: 'orders-api' })
    const disabled = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }
    expect(loadObservabilityConfig(disabled).tracing).toBeUndefined()
    expect(problemsOf(() => loadObservabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }))).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ])
    expect(problemsOf(() => loadObservabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:p@collector' }))).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ])
  })

  test('a logger drops the lines below its level', () => {
    const lines: string[] = []
    const logger = createJsonLogger({ level: 'warn', write: (line) => lines.push(line), fields: { worker: 2 } })
    logger.debug('a')
    logger.info('b')
    logger.warn('c')
    logger.error('d')
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: 'warn', event: 'c', worker: 2 },
      { level: 'error', event: 'd', worker: 2 },
    ])
    expect(logger.enabled('info')).toBe(false)
    expect(logger.enabled('error')).toBe(true)
  })
})

describe('--healthcheck', () => {
  let ready = true
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (request) =>
      new URL(request.url).pathname === '/readyz'
        ? new Response(null, { status: ready ? 200 : 503 })
        : new Response('ok'), // /healthz and anything else: alive
  })
  afterAll(() => server.stop(true))

  test('healthy only when /readyz answers 200: alive but not ready (issuer unreachable) is unhealthy', async () => {
    const env = { PORT: String(server.port), HOST: '0.0.0.0' }
    expect(await checkHealth(env)).toBe(true)
    ready = false
    expect(await checkHealth(env)).toBe(false)
    expect(await checkHealth({ PORT: String(server.port), HOST: '127.0.0.1' })).toBe(false)
  })

  test('unhealthy when nothing listens', async () => {
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('ok') })
    const port = closed.port
    await closed.stop(true)
    expect(await checkHealth({ PORT: String(port) })).toBe(false)
  })
})

describe('LOG_LEVEL in the process', () => {
  test('a bad value stops the process with one line', async () => {
    const proc = Bun.spawn(['bun', '--no-env-file', ENTRY], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? '',
        AUTH0_DOMAIN: 'tenant.auth0.com',
        AUTH0_API_AUDIENCE: 'a',
        LOG_LEVEL: 'loud',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await proc.exited).toBe(1)
    const stderr = await new Response(proc.stderr).text()
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration: LOG_LEVEL must be one of debug, info, warn, error (e.g. LOG_LEVEL=info)',
    ])
  })
})

describe('METRICS_ENABLED in the process', () => {
  test('false: no /metrics at all; a bad value stops the process with one line', async () => {
    for (const [value, status] of [
      ['false', 404],
      ['true', 200],
    ] as const) {
      const child = startApi({ METRICS_ENABLED: value })
      try {
        const { url } = await child.waitForLog('server_started')
        expect({ value, status: (await fetch(`${url}/metrics`)).status }).toEqual({ value, status })
      } finally {
        await child.stop()
      }
    }
    const bad = startApi({ METRICS_ENABLED: 'maybe' })
    expect(await bad.exited).toBe(1)
    expect(bad.errors().trim()).toBe(
      'Invalid configuration: METRICS_ENABLED must be true or false (e.g. METRICS_ENABLED=false)',
    )
  })
})

describe('ACCESS_LOG in the process', () => {
  test('none by default (it costs a sixth of a cached request); one request line per request with ACCESS_LOG=true', async () => {
    for (const [value, lines] of [
      ['true', 1],
      ['false', 0],
      [undefined, 0],
    ] as const) {
      const child = startApi(value === undefined ? {} : { ACCESS_LOG: value })
      try {
        const { url } = await child.waitForLog('server_started')
        expect((await fetch(`${url}/api/public`)).status).toBe(200)
        // The line is written once the answer is out; the stop below flushes what is pending.
        await child.stop()
        const requests = child
          .output()
          .split('\n')
          .filter((line) => line.includes('"event":"request"'))
        expect({ value, lines: requests.length }).toEqual({ value, lines })
      } finally {
        await child.stop()
      }
    }
  })
})
