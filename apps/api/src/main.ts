import { ConfigError, type ConfigProblem, type EnvSource, loadAuthConfig, loadEnvironment } from '@repo/auth-config'
import { checkHealth } from './healthcheck.ts'
import { createJsonLogger } from './logger.ts'
import { loadObservabilityConfig } from './observability/observability-config.ts'
import { runServer } from './server.ts'
import { loadServerConfig } from './server-config.ts'
import { WORKER_ENV } from './workers/messages.ts'

export interface MainOptions {
  /** Settings used when neither the environment nor `.env` has them (`bun run dev`: the local issuer). */
  readonly defaults?: Readonly<Record<string, string>>
}

/** Where the issuer and the audience in force came from: the first thing a new user needs to read. */
export interface ConfigSources {
  readonly issuer: string
  readonly audience: string
}

const describeSource = (source: EnvSource | undefined) =>
  source === 'default' ? 'default (bun run dev)' : (source ?? 'unset')

/** The process: `--healthcheck`, or the configuration, then one server, or a supervisor of several. */
export async function main(options: MainOptions = {}): Promise<void> {
  const { env, source } = loadEnvironment(process.env, process.cwd(), options.defaults)

  // `--healthcheck`: for the container's HEALTHCHECK, which has no shell or curl to run.
  if (process.argv.includes('--healthcheck')) process.exit((await checkHealth(env)) ? 0 : 1)

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
  const issuerVariable = env.AUTH0_DOMAIN?.trim() ? 'AUTH0_DOMAIN' : 'AUTH0_ISSUER_BASE_URL'
  const sources: ConfigSources = {
    issuer: `${issuerVariable} from ${describeSource(source(issuerVariable))}`,
    audience: `AUTH0_API_AUDIENCE from ${describeSource(source('AUTH0_API_AUDIENCE'))}`,
  }

  const workerId = Number(env[WORKER_ENV]) || undefined
  if (server.workers > 1 && workerId === undefined) {
    // Loaded only here: a server process never evaluates the supervisor, nor the prom-client aggregator it needs.
    const { runSupervisor } = await import('./workers/supervisor.ts')
    await runSupervisor({
      workers: server.workers,
      port: server.port,
      host: server.host,
      metricsPort: server.metricsPort,
      env,
      logger: createJsonLogger({ level: observability.logLevel, fields: { worker: 0 } }),
    })
  } else {
    await runServer({ auth, server, observability, sources, ...(workerId === undefined ? {} : { workerId }) })
  }
}
