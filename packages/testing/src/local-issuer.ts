import { join } from 'node:path'
import { type LoggedProcess, spawnLogged } from './processes.ts'

/** The development issuer's app (apps/issuer), run from source the way `bun run dev` runs it. */
const issuerDir = join(import.meta.dir, '..', '..', '..', 'apps', 'issuer')

export interface TokenRequestOptions {
  readonly audience: string
  /** @default 'local-client' (all of the tutorial's scopes) */
  readonly clientId?: string
  /** @default 'local-secret' */
  readonly clientSecret?: string
  readonly scope?: string
}

export interface LocalIssuer {
  /** Its issuer identifier, which is also where it listens (`http://127.0.0.1:PORT`). */
  readonly baseUrl: string
  readonly child: LoggedProcess
  /** The tutorial's client_credentials request (form body, Auth0's `audience`); resolves with the token. */
  token(options: TokenRequestOptions): Promise<string>
  /** Stops the child; resolves with its exit code. */
  stop(): Promise<number>
}

export interface LocalIssuerOptions {
  /** The audiences it issues tokens for; it refuses any other, as Auth0 does (`ISSUER_AUDIENCES`). */
  readonly audiences: readonly string[]
}

/**
 * Starts the development issuer on a loopback port of its own choosing (`ISSUER_PORT=0`, no `ISSUER_URL`) and
 * reads its identifier from its `issuer_started` log line. Call `stop()` when done.
 */
export async function startLocalIssuer(options: LocalIssuerOptions): Promise<LocalIssuer> {
  const child = spawnLogged(['bun', '--no-env-file', join(issuerDir, 'src', 'index.ts')], {
    cwd: issuerDir,
    env: { ISSUER_PORT: '0', ISSUER_HOST: '127.0.0.1', ISSUER_AUDIENCES: options.audiences.join(',') },
  })
  // With port 0 and no ISSUER_URL, the identifier is derived from the port it bound.
  const started = await child.waitForLog('issuer_started')
  const baseUrl = String(started.issuer)
  return {
    baseUrl,
    child,
    async token(options) {
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
    stop: () => child.stop(),
  }
}
