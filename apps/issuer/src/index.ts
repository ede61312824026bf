import { type IssuerConfig, IssuerConfigError, loadIssuerConfig } from './issuer-config.ts'
import { TOKEN_PATH } from './provider.ts'
import { type RunningIssuer, startIssuer } from './server.ts'

const log = (level: string, event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`)

/** One line on stderr, exit code 1: what docker compose logs show when a restart loop begins. */
function fail(message: string): never {
  process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`)
  process.exit(1)
}

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

let config: IssuerConfig
try {
  config = loadIssuerConfig(process.env)
} catch (error) {
  if (!(error instanceof IssuerConfigError)) throw error
  fail(`Invalid configuration: ${error.message}`)
}

let issuer: RunningIssuer
try {
  issuer = await startIssuer(config)
} catch (error) {
  const code = (error as { code?: unknown }).code
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error
  fail(`Cannot listen on ${config.host}:${config.port} (${code}): set ISSUER_PORT or ISSUER_HOST`)
}
log('warn', 'development_issuer', {
  message: 'This OpenID issuer is for local development only: its clients and secrets are public defaults.',
})
log('info', 'issuer_started', {
  issuer: issuer.issuer,
  port: issuer.port,
  listening: `${config.host}:${issuer.port}`,
  tokenEndpoint: `${issuer.issuer}${TOKEN_PATH}`,
  audiences: config.audiences,
  clients: config.clients.map((client) => ({ client_id: client.clientId, scope: client.scopes.join(' ') })),
  corsOrigins: config.corsOrigins,
  signingKey: { kid: issuer.kid, origin: issuer.keyOrigin },
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void issuer.close().finally(() => process.exit(0))
  })
}
