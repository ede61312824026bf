import { type Clock, systemClock } from '@repo/access-token'
import type { Logger } from './logger.ts'
import type { Lifecycle } from './routes/health.ts'

export interface ShutdownOptions {
  /** Keep serving this long after the signal (readiness already 503) so that endpoints and proxies catch up. */
  readonly delayMs: number
  /** Then how long in-flight requests get to finish once the listener is closed. */
  readonly timeoutMs: number
  /** Stops accepting connections; resolves once the requests in flight are answered. */
  stopListening(): Promise<void>
  /** Closes whatever is still open when the timeout runs out. */
  forceClose(): void
  /** After the listener: the key set, the metrics listener, the span exporter. */
  cleanup(): Promise<void> | void
  exit(code: number): void
  logger: Logger
  /** @default systemClock */
  readonly clock?: Clock
}

export interface Shutdown extends Lifecycle {
  /** The first call starts the graceful sequence; a second one exits at once. */
  begin(signal: string): void
  /** Resolves when the graceful sequence is over (just before `exit`). */
  readonly done: Promise<void>
}

/**
 * The shutdown sequence for an orchestrator (Kubernetes, docker stop):
 * 1. at once, /readyz answers 503 `shutting_down`;
 * 2. the listener keeps serving for `delayMs`, while endpoints are updated and traffic moves away;
 * 3. the listener closes, and in-flight requests get `timeoutMs` to finish (then their connections are closed);
 * 4. cleanup (the key set is closed only now: a request in flight may still need it), then exit 0.
 * A second signal exits at once with 1.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const clock = options.clock ?? systemClock
  const { logger } = options
  const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  let shuttingDown = false
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })

  async function run(signal: string): Promise<void> {
    logger.info('server_stopping', {
      signal,
      delay_seconds: options.delayMs / 1000,
      timeout_seconds: options.timeoutMs / 1000,
    })
    if (options.delayMs > 0) await wait(options.delayMs)
    logger.info('listener_closed', {})
    const drained = options.stopListening().then(
      () => true,
      () => true,
    )
    let timer: unknown
    const timedOut = new Promise<false>((resolve) => {
      timer = clock.setTimeout(() => resolve(false), options.timeoutMs)
    })
    if (!(await Promise.race([drained, timedOut]))) {
      logger.warn('shutdown_timeout', { timeout_seconds: options.timeoutMs / 1000 })
      options.forceClose()
    }
    clock.clearTimeout(timer)
    try {
      await options.cleanup()
    } catch (error) {
      logger.error('shutdown_cleanup_failed', { name: error instanceof Error ? error.name : typeof error })
    }
    logger.info('server_stopped', {})
  }

  return {
    get shuttingDown() {
      return shuttingDown
    },
    done,
    begin(signal) {
      if (shuttingDown) {
        logger.warn('shutdown_forced', { signal })
        options.exit(1)
        return
      }
      shuttingDown = true
      void run(signal).then(() => {
        finish()
        options.exit(0)
      })
    },
  }
}
