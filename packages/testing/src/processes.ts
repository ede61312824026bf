// Child processes for tests: started with a clean environment, their stdout read as it arrives so that a
// waiting test resumes on the log line itself (no polling), and always stoppable.
import type { Subprocess } from 'bun'

export interface SpawnLoggedOptions {
  readonly cwd: string
  /** The whole environment of the child besides PATH: nothing else is inherited (no stray AUTH0_*). */
  readonly env: Readonly<Record<string, string>>
}

/** One JSON log line, as the API and the issuer print them (`{"event":"…",…}`). */
export type LogLine = Record<string, unknown>

export interface LoggedProcess {
  readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>
  /** Everything the child wrote to stdout so far. */
  output(): string
  /** Everything the child wrote to stderr so far (complete once `exited` has resolved). */
  errors(): string
  /** The exit code, once the child has exited and both of its streams have been read to the end. */
  readonly exited: Promise<number>
  /**
   * Resolves with the first JSON log line whose `event` is `event`, as soon as it is printed. Rejects (and
   * kills the child) if the child exits first or nothing comes within `timeoutMs`.
   */
  waitForLog(event: string, timeoutMs?: number): Promise<LogLine>
  /** Like `waitForLog`, for the first `count` lines with this event (several workers each print theirs). */
  waitForLogs(event: string, count: number, timeoutMs?: number): Promise<LogLine[]>
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>
}

interface Waiter {
  readonly event: string
  readonly count: number
  resolve(lines: LogLine[]): void
  reject(error: Error): void
}

function parseLogLine(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const parsed: unknown = JSON.parse(line)
    return typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : undefined
  } catch {
    return undefined
  }
}

/** Reads a stream to its end, handing over each complete line (the child never blocks on a full pipe). */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
  onLine: (line: string) => void,
) {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true })
    onText(text)
    pending += text
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  }
  if (pending !== '') onLine(pending)
}

/** Starts `cmd` and follows its JSON log lines on stdout. */
export function spawnLogged(cmd: readonly string[], options: SpawnLoggedOptions): LoggedProcess {
  const proc = Bun.spawn([...cmd], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let stdout = ''
  let stderr = ''
  const seen: LogLine[] = []
  const waiters = new Set<Waiter>()
  const failure = () =>
    new Error(`${cmd.join(' ')} exited (${proc.exitCode ?? proc.signalCode}); stdout: ${stdout} stderr: ${stderr}`)

  const stdoutDone = readLines(
    proc.stdout,
    (text) => {
      stdout += text
    },
    (line) => {
      const parsed = parseLogLine(line)
      if (parsed === undefined) return
      seen.push(parsed)
      for (const waiter of waiters) {
        if (parsed.event !== waiter.event) continue
        const matching = seen.filter((earlier) => earlier.event === waiter.event)
        if (matching.length >= waiter.count) waiter.resolve(matching.slice(0, waiter.count))
      }
    },
  )
  const stderrDone = readLines(
    proc.stderr,
    (text) => {
      stderr += text
    },
    () => {},
  )
  const exited = Promise.all([proc.exited, stdoutDone, stderrDone]).then(([code]) => code)

  async function stop(graceMs = 5_000): Promise<number> {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
    let timer: ReturnType<typeof setTimeout> | undefined
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        proc.kill('SIGKILL')
        resolve()
      }, graceMs)
    })
    await Promise.race([exited, killed])
    clearTimeout(timer)
    return exited
  }

  return {
    proc,
    exited,
    output: () => stdout,
    errors: () => stderr,
    stop,
    waitForLog(event, timeoutMs = 10_000) {
      return this.waitForLogs(event, 1, timeoutMs).then((lines) => lines[0] as LogLine)
    },
    waitForLogs(event, count, timeoutMs = 10_000) {
      const earlier = seen.filter((line) => line.event === event)
      if (earlier.length >= count) return Promise.resolve(earlier.slice(0, count))
      return new Promise<LogLine[]>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer)
          waiters.delete(waiter)
        }
        const waiter: Waiter = {
          event,
          count,
          resolve: (lines) => {
            done()
            resolve(lines)
          },
          reject: (error) => {
            done()
            reject(error)
          },
        }
        // A deadline, not a sleep: the lines normally end the wait long before it.
        const timer = setTimeout(() => {
          waiter.reject(
            new Error(`no ${count} ${event} log lines within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`),
          )
          void stop(1_000)
        }, timeoutMs)
        waiters.add(waiter)
        // Exited without printing them: fail now rather than at the deadline (a no-op once resolved).
        void exited.then(() => waiter.reject(failure()))
      })
    },
  }
}
