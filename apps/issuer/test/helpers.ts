import { join } from 'node:path'
import { loadIssuerConfig } from '../src/issuer-config.ts'
import { type RunningIssuer, startIssuer } from '../src/server.ts'

export const ENTRY = join(import.meta.dir, '..', 'src', 'index.ts')
export const audience = 'https://api.local.test'
export const localClient = {
  client_id: 'local-client',
  client_secret: 'local-secret',
  grant_type: 'client_credentials',
} as const

/** An in-process issuer on 127.0.0.1, port 0, configured from these variables. */
export function startTestIssuer(env: Record<string, string> = {}): Promise<RunningIssuer> {
  return startIssuer(loadIssuerConfig({ ISSUER_PORT: '0', ISSUER_HOST: '127.0.0.1', ...env }))
}

export interface TokenResult {
  readonly status: number
  readonly headers: Headers
  readonly body: Record<string, unknown>
}

/** A token request to `issuer`, as a form (default) or a JSON body. */
export async function requestToken(
  issuer: RunningIssuer,
  body: Record<string, string>,
  options: { json?: boolean; headers?: Record<string, string> } = {},
): Promise<TokenResult> {
  const response = await fetch(`${issuer.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
      ...options.headers,
    },
    body: options.json ? JSON.stringify(body) : new URLSearchParams(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  }
}

/** The development issuer as a child process (`bun --no-env-file src/index.ts`, as in the image). */
export function spawnIssuer(env: Record<string, string>) {
  const proc = Bun.spawn(['bun', '--no-env-file', ENTRY], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let stdout = ''
  let onChunk = () => {}
  const stdoutDone = (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of proc.stdout) {
      stdout += decoder.decode(chunk, { stream: true })
      onChunk()
    }
  })()
  const stderr = new Response(proc.stderr).text()
  return {
    proc,
    /** Resolves with the `issuer_started` log line, or rejects if the process ends without one. */
    started: new Promise<Record<string, unknown>>((resolve, reject) => {
      onChunk = () => {
        const line = stdout.split('\n').find((entry) => entry.includes('"event":"issuer_started"'))
        if (line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>)
      }
      void stdoutDone.then(async () => reject(new Error(`the issuer ended: ${stdout}${await stderr}`)))
    }),
    /** Stops the process (SIGTERM) and returns all it wrote. */
    async stop() {
      proc.kill('SIGTERM')
      const exitCode = await proc.exited
      await stdoutDone
      return { exitCode, stdout, stderr: await stderr }
    },
  }
}
