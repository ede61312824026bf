/**
 * WEB_CONCURRENCY > 1: this process serves nothing itself; it runs N copies of the same program (the compiled
 * binary, or bun with the same script) as workers that bind the same port with SO_REUSEPORT, so that the kernel
 * spreads connections over them. Each worker has its own key set, metrics and shutdown sequence.
 *
 * - Start: worker 1 binds PORT (0 included) and reports the port; the others then bind that port.
 * - SIGTERM/SIGINT: forwarded to every worker, which each drain as a lone server would (/readyz 503, delay,
 *   drain, exit); the supervisor exits once they all have, 0 if they all exited 0. A second signal is forwarded
 *   too (the workers then exit at once) and the supervisor exits 1 at once.
 * - A worker that exits on its own is not restarted: the supervisor stops the others (gracefully) and exits 1,
 *   so that the orchestrator sees the failure and restarts the container or pod, with its own backoff and
 *   crash-loop reporting, instead of a supervisor hiding a crash loop behind a live process.
 * - Metrics: every worker's are summed (prom-client's AggregatorRegistry) for each scrape, on METRICS_PORT by the
 *   supervisor, or on the API port by whichever worker the scrape reaches.
 */
import type { Environment } from '@repo/auth-config'
import type { Subprocess } from 'bun'
import { AggregatorRegistry } from 'prom-client'
import type { LeveledLogger } from '../logger.ts'
import { startMetricsListener } from '../observability/metrics-listener.ts'
import { type MetricsSnapshot, type SupervisorMessage, WORKER_ENV, type WorkerMessage } from './messages.ts'

export interface SupervisorSettings {
  readonly workers: number
  readonly port: number
  readonly host: string
  readonly metricsPort: number | undefined
  /** The environment the workers get (the merged .env included). */
  readonly env: Environment
  readonly logger: LeveledLogger
}

/** The command that starts this same program again: the compiled binary, or bun with its flags and the script. */
export function workerCommand(): string[] {
  const args = process.argv.slice(2)
  // In a `bun build --compile` binary, the entry point lives in Bun's embedded file system.
  if (Bun.main.startsWith('/$bunfs/')) return [process.execPath, ...args]
  return [process.execPath, ...process.execArgv, Bun.main, ...args]
}

const COLLECT_TIMEOUT_MS = 3000

export async function runSupervisor(settings: SupervisorSettings): Promise<void> {
  const { logger } = settings
  const workers = new Map<number, Subprocess<'ignore', 'inherit', 'inherit'>>()
  const collections = new Map<number, { pending: Set<number>; snapshots: MetricsSnapshot[]; done: () => void }>()
  let nextCollection = 0
  let stopping = false
  /** The signal passed on to the workers, once stopping. */
  let forwarded: NodeJS.Signals | undefined
  let failed = false
  let reportListening: (port: number) => void = () => {}

  /** Every live worker's metrics, summed; a worker that does not answer in time is left out of this scrape. */
  async function aggregatedMetrics(): Promise<string> {
    const id = ++nextCollection
    const collection = { pending: new Set(workers.keys()), snapshots: [] as MetricsSnapshot[], done: () => {} }
    const complete = new Promise<void>((resolve) => {
      collection.done = resolve
    })
    collections.set(id, collection)
    for (const worker of workers.values()) worker.send({ type: 'metrics_collect', id } satisfies SupervisorMessage)
    const timer = setTimeout(() => collection.done(), COLLECT_TIMEOUT_MS)
    await complete
    clearTimeout(timer)
    collections.delete(id)
    return AggregatorRegistry.aggregate(collection.snapshots).metrics()
  }

  function onMessage(workerId: number, message: WorkerMessage): void {
    if (message.type === 'listening') reportListening(message.port)
    else if (message.type === 'metrics_snapshot') {
      const collection = collections.get(message.id)
      if (collection === undefined) return
      collection.snapshots.push(message.metrics)
      collection.pending.delete(workerId)
      if (collection.pending.size === 0) collection.done()
    } else if (message.type === 'metrics_request') {
      void aggregatedMetrics().then((text) =>
        workers.get(workerId)?.send({ type: 'metrics_text', id: message.id, text } satisfies SupervisorMessage),
      )
    }
  }

  function stopAll(signal: NodeJS.Signals): void {
    forwarded = signal
    for (const worker of workers.values()) worker.kill(signal)
  }

  /**
   * Whether a worker that exited did what the stop asked: drained and exited 0, or, still starting and without
   * its handlers yet, ended by the very signal passed on to it (a stop during start-up is not a failure).
   */
  const stoppedAsAsked = (code: number, worker: Subprocess) =>
    stopping && (code === 0 || (forwarded !== undefined && worker.signalCode === forwarded))

  const command = workerCommand()
  const allExited = Promise.withResolvers<void>()
  function spawnWorker(id: number, port: number) {
    const worker = Bun.spawn(command, {
      env: { ...settings.env, [WORKER_ENV]: String(id), PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
      ipc: (message: WorkerMessage) => onMessage(id, message),
    })
    workers.set(id, worker)
    void worker.exited.then((code) => {
      workers.delete(id)
      for (const collection of collections.values()) {
        collection.pending.delete(id)
        if (collection.pending.size === 0) collection.done()
      }
      if (!stoppedAsAsked(code, worker)) {
        failed = true
        logger.error('worker_exited', { exit_code: code, signal: worker.signalCode, expected: stopping })
      }
      if (!stopping) {
        // Not restarted (see above): the others drain, and the orchestrator restarts the whole.
        stopping = true
        stopAll('SIGTERM')
      }
      if (workers.size === 0) allExited.resolve()
    })
    return worker
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        stopAll(signal)
        logger.flush()
        process.exit(1)
      }
      stopping = true
      logger.info('supervisor_stopping', { signal })
      stopAll(signal)
    })
  }

  /** The supervisor's end: 0 when every worker stopped as asked, else 1. */
  function exitSupervisor(): never {
    logger.info('supervisor_stopped', { failed })
    logger.flush()
    process.exit(failed ? 1 : 0)
  }

  // Worker 1 first: with PORT=0 it picks the port the others then share.
  const first = spawnWorker(1, settings.port)
  const port = await Promise.race([
    new Promise<number>((resolve) => {
      reportListening = resolve
    }),
    first.exited.then(() => undefined),
  ])
  if (port === undefined) {
    // Worker 1 ended before it listened: stopped as asked (a signal during start-up), or failed.
    exitSupervisor()
  }
  for (let id = 2; id <= settings.workers; id++) spawnWorker(id, port)

  const metricsListener =
    settings.metricsPort === undefined
      ? undefined
      : startMetricsListener({
          port: settings.metricsPort,
          hostname: settings.host,
          render: aggregatedMetrics,
          contentType: AggregatorRegistry.PROMETHEUS_CONTENT_TYPE,
        })
  logger.info('supervisor_started', {
    workers: settings.workers,
    port,
    ...(metricsListener === undefined ? {} : { metrics: metricsListener.url }),
  })

  await allExited.promise
  metricsListener?.stop()
  exitSupervisor()
}
