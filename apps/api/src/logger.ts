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
}

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @default "info" */
  readonly level?: LogLevel
  /** @default process.stdout.write */
  readonly write?: (line: string) => void
  /** Added to every line (a worker's number). */
  readonly fields?: Readonly<Record<string, unknown>>
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

export function createJsonLogger(options: JsonLoggerOptions | ((line: string) => void) = {}): LeveledLogger {
  const {
    level = 'info',
    write = (line: string) => void process.stdout.write(line),
    fields: always = {},
  } = typeof options === 'function' ? { write: options } : options
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
  }
}

/** For tests and benchmarks. */
export const silentLogger: LeveledLogger = { debug() {}, info() {}, warn() {}, error() {}, enabled: () => false }
