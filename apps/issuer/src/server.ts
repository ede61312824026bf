import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { IssuerConfig } from './issuer-config.ts'
import { createProvider } from './provider.ts'
import { type KeyOrigin, loadSigningKey } from './signing-key.ts'

export interface RunningIssuer {
  /** Where it listens (loopback form), which may differ from the issuer identifier. */
  readonly url: string
  readonly port: number
  readonly issuer: string
  readonly keyOrigin: KeyOrigin
  readonly kid: string | undefined
  close(): Promise<void>
}

/** Starts the development issuer; used by the entry point and by tests (with port 0). */
export async function startIssuer(config: IssuerConfig): Promise<RunningIssuer> {
  const { jwk, origin } = await loadSigningKey({ key: config.signingKey, file: config.signingKeyFile })
  const provider = createProvider(config, jwk)
  const server: Server = createServer(provider.callback())
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    port,
    issuer: config.issuer,
    keyOrigin: origin,
    kid: jwk.kid,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
