import { describeIssuer, type LoadedAuthConfig } from '@repo/auth-config'
import { createApp } from './app.ts'
import { createAuthRuntime } from './auth.ts'
import { createJsonLogger } from './logger.ts'
import type { ConfigSources } from './main.ts'
import { createApiMetrics } from './observability/metrics.ts'
import { startMetricsListener } from './observability/metrics-listener.ts'
import { createObservability } from './observability/observability.ts'
import type { ObservabilityConfig } from './observability/observability-config.ts'
import type { RequestTracer } from './observability/request-trace.ts'
import { createDocsOAuth } from './routes/docs.ts'
import type { ServerConfig } from './server-config.ts'
import { createShutdown, type Shutdown } from './shutdown.ts'
import { createWorkerLink } from './workers/worker-link.ts'

export interface ServerSettings {
  readonly auth: LoadedAuthConfig
  /** Where the issuer and the audience in force came from, for the first log line. */
  readonly sources?: ConfigSources
  readonly server: ServerConfig
  readonly observability: ObservabilityConfig
  /** This process's number when it is one of the supervisor's workers. */
  readonly workerId?: number
}

/** One server process: the app on PORT, /metrics, the key set warm-up, and the shutdown sequence on SIGTERM. */
export async function runServer(settings: ServerSettings): Promise<void> {
  const { auth, server, workerId } = settings
  const logger = createJsonLogger({
    level: settings.observability.logLevel,
    ...(workerId === undefined ? {} : { fields: { worker: workerId } }),
  })
  for (const warning of auth.warnings) logger.warn('config_warning', { message: warning })

  const metrics = createApiMetrics()
  const worker = workerId === undefined ? undefined : createWorkerLink(workerId, metrics)
  // Loaded only when configured: with tracing off, the OpenTelemetry SDK is never evaluated.
  const tracing = settings.observability.tracing
  const tracer: RequestTracer | undefined =
    tracing === undefined ? undefined : (await import('./observability/tracing.ts')).startTracing(tracing)

  const runtime = createAuthRuntime(auth.config, { logger, onKeySetEvent: metrics.keySet.record, metrics })
  metrics.keySet.watch(runtime.keySet)
  let shutdown: Shutdown | undefined
  const metricsEnabled = settings.observability.metrics
  const observability = createObservability({
    logger,
    accessLog: settings.observability.accessLog,
    ...(metricsEnabled ? { metrics } : {}),
    ...(tracer === undefined ? {} : { tracer }),
    // With workers, /metrics sums them all, whichever worker the scrape reaches; with METRICS_PORT, the
    // supervisor (or this process) serves it on that port instead.
    metricsRoute: metricsEnabled && server.metricsPort === undefined,
    ...(worker === undefined ? {} : { renderMetrics: () => worker.aggregatedMetrics() }),
  })
  const docs = createDocsOAuth(auth.config, { alias: server.docsIssuerAlias, logger })
  const app = createApp({
    ...runtime,
    logger,
    observability,
    cors: server.cors,
    docs,
    lifecycle: {
      get shuttingDown() {
        return shutdown?.shuttingDown ?? false
      },
    },
  })
  // Bun.serve around the app's fetch rather than app.listen(): the observability wraps every request there.
  let listener: ReturnType<typeof Bun.serve>
  try {
    listener = Bun.serve({
      port: server.port,
      hostname: server.host,
      // Workers share the port (SO_REUSEPORT); a lone process must not silently share it with another one.
      reusePort: worker !== undefined,
      idleTimeout: 30, // Elysia's own default for app.listen()
      fetch: observability.wrap(app.fetch),
    })
  } catch (error) {
    // A port in use is a configuration problem: one line saying what to do, not a stack trace.
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error
    console.error(
      `Cannot listen on ${server.host}:${server.port}: the port is in use (another server, or a second \`bun run dev\`?): stop it or set PORT (e.g. PORT=${server.port + 1})`,
    )
    process.exit(1)
  }
  worker?.listening(listener.port ?? server.port)

  const metricsListener =
    !metricsEnabled || server.metricsPort === undefined || worker !== undefined
      ? undefined
      : startMetricsListener({
          port: server.metricsPort,
          hostname: server.host,
          render: () => metrics.render(),
          contentType: metrics.contentType,
        })

  logger.info('server_started', {
    // The address to type: 0.0.0.0 listens everywhere, and is reached as localhost.
    url: `http://${['0.0.0.0', '::', '[::]'].includes(server.host) ? 'localhost' : server.host}:${listener.port}`,
    pid: process.pid,
    ...(metricsListener === undefined ? {} : { metrics: metricsListener.url }),
    issuer: describeIssuer(auth.config),
    audience: auth.config.audience,
    ...(settings.sources === undefined ? {} : { configuredBy: settings.sources }),
    algorithms: auth.config.algorithms,
    dpop: auth.config.dpop.mode,
    // The kind only: a Redis URL may hold a password.
    replayStore: auth.config.dpop.replayStore.kind,
    resource: auth.config.resource.identifier ?? '(the request origin)',
    tracing: tracer !== undefined,
  })

  // Load the keys now, but serve either way: /readyz tells whether they arrived.
  void runtime.keySet.refresh().then((health) => logger.info('readiness', { ready: health.ready, state: health.state }))

  shutdown = createShutdown({
    delayMs: server.shutdownDelayMs,
    timeoutMs: server.shutdownTimeoutMs,
    logger,
    stopListening: () => listener.stop(false),
    forceClose: () => void listener.stop(true),
    async cleanup() {
      // Last: requests drained until now still needed the keys and the replay store.
      runtime.close()
      metricsListener?.stop()
      // Spans still buffered get a moment to leave; an unreachable collector does not hold the exit.
      if (tracer !== undefined) await Promise.race([tracer.shutdown(), Bun.sleep(2000)])
    },
    exit(code) {
      logger.flush()
      process.exit(code)
    },
  })
  const begin = shutdown.begin
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => begin(signal))
}
