import { IssuerConfigError, loadIssuerConfig } from './issuer-config.ts'
import { startIssuer } from './server.ts'

const log = (level: string, event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`)

// `--healthcheck`: for the container's HEALTHCHECK (no shell, no curl in the image).
if (process.argv.includes('--healthcheck')) {
  const port = process.env.ISSUER_PORT ?? process.env.PORT ?? '9000'
  const ok = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(2000),
  }).then(
    (response) => response.ok,
    () => false,
  )
  process.exit(ok ? 0 : 1)
}

let config: ReturnType<typeof loadIssuerConfig>
try {
  config = loadIssuerConfig(process.env)
} catch (error) {
  if (!(error instanceof IssuerConfigError)) throw error
  console.error(`Invalid configuration: ${error.message}`)
  process.exit(1)
}

const issuer = await startIssuer(config)
log('warn', 'development_issuer', {
  message: 'This OpenID issuer is for local development only: its clients and secrets are public defaults.',
})
log('info', 'issuer_started', {
  issuer: issuer.issuer,
  listening: `${config.host}:${issuer.port}`,
  tokenEndpoint: `${issuer.issuer}/oauth/token`,
  clients: config.clients.map((client) => ({ client_id: client.clientId, scope: client.scopes.join(' ') })),
  signingKey: { kid: issuer.kid, origin: issuer.keyOrigin },
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void issuer.close().finally(() => process.exit(0))
  })
}
