import { ConfigError, type ConfigProblem, loadAuthConfig, mergeEnvFile } from '@repo/auth-config'
import { checkHealth } from './healthcheck.ts'
import { createJsonLogger } from './logger.ts'
import { loadObservabilityConfig } from './observability/observability-config.ts'
import { runServer } from './server.ts'
import { loadServerConfig } from './server-config.ts'
import { WORKER_ENV } from './workers/messages.ts'
import { runSupervisor } from './workers/supervisor.ts'

const env = mergeEnvFile(process.env, process.cwd())

// `--healthcheck`: for the container's HEALTHCHECK, which has no shell or curl to run.
if (process.argv.includes('--healthcheck')) process.exit((await checkHealth(env)) ? 0 : 1)

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
  const observability = attempt(() => loadObservabilityConfig(env))
  if (auth === undefined || server === undefined || observability === undefined) {
    // One readable line, no stack trace.
    console.error(new ConfigError(problems).message)
    process.exit(1)
  }
  return { auth, server, observability }
}

const settings = loadConfig()
const workerId = Number(env[WORKER_ENV]) || undefined
if (settings.server.workers > 1 && workerId === undefined) {
  await runSupervisor({
    workers: settings.server.workers,
    port: settings.server.port,
    host: settings.server.host,
    metricsPort: settings.server.metricsPort,
    env,
    logger: createJsonLogger({ level: settings.observability.logLevel, fields: { worker: 0 } }),
  })
} else {
  await runServer({ ...settings, ...(workerId === undefined ? {} : { workerId }) })
}
