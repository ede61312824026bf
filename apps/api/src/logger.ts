/** One JSON object per line: easy to grep, easy for a log shipper. Never given a token. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void
  warn(event: string, fields?: Record<string, unknown>): void
  error(event: string, fields?: Record<string, unknown>): void
}

export function createJsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`)
    }
  return { info: log('info'), warn: log('warn'), error: log('error') }
}

/** For tests and benchmarks. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} }
