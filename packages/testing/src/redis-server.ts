import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throw-away redis-server listening on a Unix socket only: no port to pick, nothing to race for. */
export interface RedisServer {
  /** `redis+unix:///…/redis.sock`, as Bun's client takes it. */
  readonly url: string
  readonly socketPath: string
  /** Stops the server (SIGTERM, no save) and waits for it to exit. */
  stop(): Promise<void>
  /** Stops it and removes its directory. */
  close(): Promise<void>
}

// Redis 7.0 says "ready to accept connections at <socket>"; 7.2 "Ready to accept connections unix".
const READY = /ready to accept connections/i

/** Whether `redis-server` is on the PATH (Debian: `apt-get install redis-server`). */
export function hasRedisServer(): boolean {
  return Bun.which('redis-server') !== null
}

/**
 * Starts `redis-server` with no persistence on a socket in a new temporary directory and resolves once it logs that
 * it accepts connections. `restart` on a stopped server starts a new one on the same socket.
 */
export async function startRedisServer(directory?: string): Promise<RedisServer & { restart(): Promise<void> }> {
  const dir = directory ?? mkdtempSync(join(tmpdir(), 'redis-test-'))
  const socketPath = join(dir, 'redis.sock')
  let proc: ReturnType<typeof Bun.spawn> | undefined

  async function start(): Promise<void> {
    const child = Bun.spawn(
      ['redis-server', '--port', '0', '--unixsocket', socketPath, '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    proc = child
    const decoder = new TextDecoder()
    let output = ''
    for await (const chunk of child.stdout) {
      output += decoder.decode(chunk)
      if (READY.test(output)) break
    }
    if (!READY.test(output)) {
      throw new Error(`redis-server did not start: ${output.slice(-500)}`)
    }
    // Keep draining its output so that the pipe never fills and blocks it.
    void (async () => {
      for await (const _ of child.stdout) {
        // discarded
      }
    })().catch(() => {})
  }

  async function stop(): Promise<void> {
    const child = proc
    proc = undefined
    if (child === undefined) return
    child.kill('SIGTERM')
    await child.exited
  }

  await start()
  return {
    url: `redis+unix://${socketPath}`,
    socketPath,
    stop,
    restart: start,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
