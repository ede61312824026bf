import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAuth0TokenRequestListener } from './auth0-token-request.ts'
import type { IssuerConfig } from './issuer-config.ts'
import { loadOidcProvider } from './load-oidc-provider.ts'
import { createProvider, TOKEN_PATH } from './provider.ts'
import { type KeyOrigin, loadSigningKey } from './signing-key.ts'

export interface RunningIssuer {
  /** Where it listens (loopback form), which may differ from the issuer identifier. */
  readonly url: string
  /** The bound port (the one chosen by the system when configured as 0). */
  readonly port: number
  /** The issuer identifier: `ISSUER_URL`, or derived from the host and bound port. */
  readonly issuer: string
  readonly keyOrigin: KeyOrigin
  readonly kid: string | undefined
  close(): Promise<void>
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', ''])

/** `host` as the host part of a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/**
 * Starts the development issuer; used by the entry point and by tests. It listens first and only then builds
 * the OpenID Provider, whose issuer identifier must be known up front: with port 0 and no `ISSUER_URL`, the
 * identifier is derived from the port actually bound, so no caller has to guess a free port (and race for it).
 */
export async function startIssuer(config: IssuerConfig): Promise<RunningIssuer> {
  const oidc = await loadOidcProvider()
  const { jwk, origin } = await loadSigningKey({ key: config.signingKey, file: config.signingKeyFile })
  // Answers only if a request could arrive before the provider exists (it cannot: nothing awaits in between).
  let listener: RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
    res.end('{"error":"temporarily_unavailable"}')
  }
  const server = createServer((req, res) => listener(req, res))
  const port = await listen(server, config.port, config.host)
  const wildcard = WILDCARD_HOSTS.has(config.host)
  const url = `http://${wildcard ? '127.0.0.1' : urlHost(config.host)}:${port}`
  // Listening everywhere: `localhost`, the documented default identifier (`http://localhost:9000`) that
  // `bun run dev` in apps/api trusts.
  const issuer = config.issuer ?? `http://${wildcard ? 'localhost' : urlHost(config.host)}:${port}`
  const provider = createProvider(oidc, { ...config, issuer }, jwk)
  listener = createAuth0TokenRequestListener(
    { tokenPath: TOKEN_PATH, clientScopes: new Map(config.clients.map((client) => [client.clientId, client.scopes])) },
    provider.callback(),
  )
  return {
    url,
    port,
    issuer,
    keyOrigin: origin,
    kid: jwk.kid,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
