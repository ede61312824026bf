// Server child processes: started one at a time, ready once they print their listening line, always stopped.
// A child's stderr goes to a file rather than a pipe, so that a server that logs per request pays for its logging
// (as it would in production) without making this process, which also runs the load, read every line.
import { join } from 'node:path'
import { stopChild, trackChild } from './children.ts'
import { pinnedCommand } from './cpu-pinning.ts'

export interface ServerSpec {
  /** Shown in every table, e.g. `express (node)`. */
  readonly name: string
  readonly cmd: readonly string[]
  readonly cwd: string
  /** The whole environment of the child: nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>
  /** Matches the line the server prints on stdout once listening; its first group is the base URL. */
  readonly ready: RegExp
}

export interface StartServerOptions {
  /** Where the child's stderr log goes. */
  readonly logDir: string
  /** `taskset -c` list the child (and every thread and process it starts) is pinned to; none if undefined. */
  readonly cpus?: string | undefined
  /** @default 15000 */
  readonly timeoutMs?: number
}

export interface RunningServer {
  readonly baseUrl: string
  /** The server's own pid (`taskset` execs it), for /proc figures. */
  readonly pid: number
  /** How many lines the child has written so far (stdout and stderr): what it logs per request. */
  linesWritten(): Promise<number>
  /** The last lines the child wrote, for diagnostics. */
  output(): Promise<string>
  stop(): Promise<void>
}

/** Reads a stream line by line, calling `onLine` for each, until it ends (so the child never blocks on it). */
async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true })
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  }
}

/** Counts the newlines appended to a file since the last call. */
function createLineCounter(path: string): () => Promise<number> {
  let offset = 0
  let lines = 0
  return async () => {
    const bytes = await Bun.file(path).slice(offset).bytes()
    offset += bytes.length
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1
    return lines
  }
}

let started = 0

/** Starts `spec` and resolves once it has printed its listening line; a child that fails to is stopped. */
export async function startServer(spec: ServerSpec, options: StartServerOptions): Promise<RunningServer> {
  const { logDir, cpus, timeoutMs = 15_000 } = options
  started += 1
  const stderrPath = join(logDir, `${spec.name.replace(/[^a-z0-9]+/gi, '-')}-${started}.stderr.log`)
  const child = trackChild(
    Bun.spawn(pinnedCommand(spec.cmd, cpus), {
      cwd: spec.cwd,
      env: { ...spec.env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: Bun.file(stderrPath),
    }),
  )
  const stdoutTail: string[] = []
  let stdoutLines = 0
  const stderrLines = createLineCounter(stderrPath)
  const linesWritten = async () => stdoutLines + (await stderrLines())
  const output = async () => {
    const stderr = (await Bun.file(stderrPath).text()).split('\n').slice(-30)
    return [...stdoutTail, ...stderr].join('\n').trim()
  }

  const { promise: listening, resolve, reject } = Promise.withResolvers<string>()
  void readLines(child.stdout, (line) => {
    stdoutLines += 1
    stdoutTail.push(line)
    if (stdoutTail.length > 10) stdoutTail.shift()
    const baseUrl = spec.ready.exec(line)?.[1]
    if (baseUrl !== undefined) resolve(baseUrl)
  })
  void child.exited.then((code) => reject(new Error(`${spec.name} exited with ${code} before listening`)))
  const timer = setTimeout(() => reject(new Error(`${spec.name} did not listen within ${timeoutMs} ms`)), timeoutMs)
  try {
    const baseUrl = await listening
    return { baseUrl, pid: child.pid, linesWritten, output, stop: () => stopChild(child) }
  } catch (error) {
    await stopChild(child)
    throw new Error(`${(error as Error).message}\n${await output()}`)
  } finally {
    clearTimeout(timer)
  }
}
