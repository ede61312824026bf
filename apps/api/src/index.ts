import { ConfigError, type ConfigProblem, describeIssuer, loadAuthConfig, mergeEnvFile } from '@repo/auth-config'
import { createApp } from './app.ts'
import { createAuthRuntime } from './auth.ts'
import { createJsonLogger } from './logger.ts'
import { createDocsOAuth } from './routes/docs.ts'
import { loadServerConfig } from './server-config.ts'

const env = mergeEnvFile(process.env, process.cwd())

// `--healthcheck`: for the container's HEALTHCHECK, which has no shell or curl to run.
if (process.argv.includes('--healthcheck')) {
  const port = env.PORT?.trim() || '8000'
  const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.ok,
    () => false,
  )
  process.exit(ok ? 0 : 1)
}

function loadConfig() {
  const problems: ConfigProblem[] = []
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load()
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems.push(...error.problems)
      return undefined
    }
  }
  const auth = attempt(() => loadAuthConfig(env))
  const server = attempt(() => loadServerConfig(env))
  if (auth === undefined || server === undefined) {
    // One readable line, no stack trace.
    console.error(new ConfigError(problems).message)
    process.exit(1)
  }
  return { auth, server }
}

const logger = createJsonLogger()
const { auth, server } = loadConfig()
for (const warning of auth.warnings) logger.warn('config_warning', { message: warning })

const runtime = createAuthRuntime(auth.config, { logger })
const docs = createDocsOAuth(auth.config, { alias: server.docsIssuerAlias, logger })
const app = createApp({ ...runtime, logger, cors: server.cors, docs }).listen({
  port: server.port,
  hostname: server.host,
})

logger.info('server_started', {
  url: `http://${server.host}:${app.server?.port}`,
  issuer: describeIssuer(auth.config),
  audience: auth.config.audience,
  algorithms: auth.config.algorithms,
  dpop: auth.config.dpop.mode,
  // The kind only: a Redis URL may hold a password.
  replayStore: auth.config.dpop.replayStore.kind,
  resource: auth.config.resource.identifier ?? '(the request origin)',
})

// Load the keys now, but serve either way: /readyz tells whether they arrived.
void runtime.keySet.refresh().then((health) => logger.info('readiness', { ready: health.ready, state: health.state }))

// SIGTERM (docker stop): stop accepting, let in-flight requests finish, then exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    logger.info('server_stopping', { signal })
    // Drain first: requests in flight still need the keys and the replay store.
    void app.stop(false).finally(() => {
      runtime.close()
      process.exit(0)
    })
  })
}
