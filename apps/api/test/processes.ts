import { join } from 'node:path'
import { spawn } from 'bun'

/** A child process whose stdout is read to the end in the background (closing it would kill the child). */
export function spawnLogged(cmd: string[], options: { cwd: string; env: Record<string, string> }) {
  const proc = spawn(cmd, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let output = ''
  const done = (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of proc.stdout) output += decoder.decode(chunk)
  })()
  return {
    proc,
    output: () => output,
    /** Waits for a JSON log line with this event. */
    async waitForLog(event: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const line = output.split('\n').find((l) => l.includes(`"event":"${event}"`))
        if (line !== undefined) return JSON.parse(line) as Record<string, unknown>
        if (proc.exitCode !== null) break
        await Bun.sleep(25)
      }
      proc.kill()
      await done.catch(() => {})
      const stderr = await new Response(proc.stderr).text().catch(() => '')
      throw new Error(`no ${event} log line; stdout: ${output} stderr: ${stderr}`)
    },
  }
}

/** A port that was free a moment ago (the issuer needs its URL before it listens). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}

/** The development issuer (apps/issuer) as `bun run dev` starts it, on a loopback port it picks itself. */
export async function startLocalIssuer() {
  const child = spawnLogged(['bun', '--no-env-file', join(import.meta.dir, '..', '..', 'issuer', 'src', 'index.ts')], {
    cwd: import.meta.dir,
    // The issuer refuses audiences it is not configured with, as Auth0 does: these are the ones the tests use.
    env: {
      ISSUER_PORT: '0',
      ISSUER_HOST: '127.0.0.1',
      ISSUER_AUDIENCES: 'https://api.example.test,https://another-api.local.test',
    },
  })
  // With port 0 and no ISSUER_URL, the issuer's identifier is derived from the port it bound.
  const baseUrl = String((await child.waitForLog('issuer_started')).issuer)
  return {
    baseUrl,
    child,
    /** The tutorial's client_credentials request (form body, Auth0's `audience`). */
    async token(options: { audience: string; clientId?: string; clientSecret?: string; scope?: string }) {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: options.clientId ?? 'local-client',
        client_secret: options.clientSecret ?? 'local-secret',
        audience: options.audience,
      })
      if (options.scope !== undefined) body.set('scope', options.scope)
      const response = await fetch(`${baseUrl}/oauth/token`, { method: 'POST', body })
      const json = (await response.json()) as { access_token?: string }
      if (json.access_token === undefined) throw new Error(`no token: ${JSON.stringify(json)}`)
      return json.access_token
    },
    stop: () => {
      child.proc.kill()
      return child.proc.exited
    },
  }
}
