/** One JSON object per line: easy to grep, easy for a log shipper. Never given a token. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void
  warn(event: string, fields?: Record<string, unknown>): void
  error(event: string, fields?: Record<string, unknown>): void
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** A logger with a threshold (`LOG_LEVEL`). */
export interface LeveledLogger extends Logger {
  debug(event: string, fields?: Record<string, unknown>): void
  /** Whether a line at `level` would be written: per-request callers skip building the line otherwise. */
  enabled(level: LogLevel): boolean
  /** Writes out what is buffered (before the process exits). */
  flush(): void
}

/**
 * Standard output, one write per turn of the event loop rather than one per line: under load the access log is a
 * line per request, and a write system call per request costs more than the rest of the line. A crash loses at
 * most the lines of the current turn.
 */
function bufferedStdout(): { write(line: string): void; flush(): void } {
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const chunk = pending.join('')
    pending = []
    try {
      process.stdout.write(chunk)
    } catch {
      // Standard output closed (EPIPE): nothing to write to, and no reason to stop serving.
    }
  }
  return {
    write(line) {
      pending.push(line)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @default "info" */
  readonly level?: LogLevel
  /** @default standard output, buffered for the current turn of the event loop */
  readonly write?: (line: string) => void
  /** Added to every line (a worker's number). */
  readonly fields?: Readonly<Record<string, unknown>>
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

export function createJsonLogger(options: JsonLoggerOptions | ((line: string) => void) = {}): LeveledLogger {
  const {
    level = 'info',
    write: custom,
    fields: always = {},
  } = typeof options === 'function' ? { write: options } : options
  const sink = custom === undefined ? bufferedStdout() : { write: custom, flush() {} }
  const write = sink.write
  const threshold = rank[level]
  const log = (lineLevel: LogLevel) => {
    if (rank[lineLevel] < threshold) return () => {}
    return (event: string, fields: Record<string, unknown> = {}) => {
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lineLevel, event, ...always, ...fields })}\n`)
    }
  }
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    enabled: (lineLevel) => rank[lineLevel] >= threshold,
    flush: sink.flush,
  }
}

/** For tests and benchmarks. */
export const silentLogger: LeveledLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  enabled: () => false,
  flush() {},
}
