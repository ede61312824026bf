import { join } from 'node:path'

const root = join(import.meta.dir, '..', '..', '..')

/** A child process whose JSON log lines on stdout are read as they come. */
export interface Child {
  /** Resolves with the first log line of this event (already printed or still to come). */
  waitForLog(event: string): Promise<Record<string, unknown>>
  stop(): Promise<void>
}

function spawnLogged(entry: string, env: Record<string, string>): Child {
  const proc = Bun.spawn(['bun', '--no-env-file', join(root, entry)], {
    cwd: import.meta.dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const lines: Record<string, unknown>[] = []
  const waiters: { event: string; resolve(line: Record<string, unknown>): void }[] = []
  let ended = false
  const failures: ((error: Error) => void)[] = []
  void (async () => {
    let buffer = ''
    const decoder = new TextDecoder()
    for await (const chunk of proc.stdout) {
      buffer += decoder.decode(chunk)
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const text = buffer.slice(0, end)
        buffer = buffer.slice(end + 1)
        let line: Record<string, unknown>
        try {
          line = JSON.parse(text) as Record<string, unknown>
        } catch {
          continue
        }
        lines.push(line)
        for (const waiter of waiters.filter((w) => w.event === line.event)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
    ended = true
    const stderr = await new Response(proc.stderr).text().catch(() => '')
    for (const fail of failures.splice(0)) fail(new Error(`${entry} exited: ${stderr.slice(-500)}`))
  })()
  return {
    waitForLog(event) {
      const seen = lines.find((line) => line.event === event)
      if (seen !== undefined) return Promise.resolve(seen)
      if (ended) return Promise.reject(new Error(`${entry} exited before logging ${event}`))
      return new Promise((resolve, reject) => {
        waiters.push({ event, resolve })
        failures.push(reject)
      })
    },
    async stop() {
      proc.kill()
      await proc.exited
    },
  }
}

export const AUDIENCE = 'https://api.local.test'

/** The development issuer on a loopback port it picks; resolves with its identifier. */
export async function startIssuer() {
  const child = spawnLogged('apps/issuer/src/index.ts', {
    ISSUER_PORT: '0',
    ISSUER_HOST: '127.0.0.1',
    ISSUER_AUDIENCES: AUDIENCE,
  })
  const url = String((await child.waitForLog('issuer_started')).issuer)
  return { url, stop: child.stop }
}

/** The API entry point on PORT=0, trusting `issuerUrl`; resolves once it holds the issuer's keys. */
export async function startApi(issuerUrl: string, env: Record<string, string> = {}) {
  const child = spawnLogged('apps/api/src/index.ts', {
    AUTH0_ISSUER_BASE_URL: issuerUrl,
    AUTH0_API_AUDIENCE: AUDIENCE,
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  })
  const url = String((await child.waitForLog('server_started')).url)
  await child.waitForLog('readiness')
  return { url, stop: child.stop }
}

/** Runs `bun src/main.ts` (the README's flow) and returns what it printed. */
export async function runMain(
  env: Record<string, string>,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(['bun', '--no-env-file', join(import.meta.dir, '..', 'src', 'main.ts')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { exitCode, stdout, stderr }
}
