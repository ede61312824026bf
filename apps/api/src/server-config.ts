import { availableParallelism } from 'node:os'
import { ConfigError, type ConfigProblem, type Environment } from '@repo/auth-config'
import { corsOrigins, docsIssuerAlias } from './browser-config.ts'
import type { CorsConfig } from './cors.ts'
import type { IssuerAlias } from './token-endpoint.ts'

export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** `/metrics` on a listener of its own (kept off the public ingress); `undefined`: on the API port. */
  readonly metricsPort: number | undefined
  /** After SIGTERM: how long to keep serving (while /readyz says 503) before closing the listener. */
  readonly shutdownDelayMs: number
  /** Then: how long in-flight requests get to finish before their connections are closed. */
  readonly shutdownTimeoutMs: number
  /** Server processes sharing the port (`reusePort`); 1 serves from this process alone. */
  readonly workers: number
  /** Browser apps allowed to call the API cross-origin; undefined: CORS off (no CORS headers at all). */
  readonly cors: CorsConfig | undefined
  /** The issuer's origin as browsers reach it, when not the API's (/docs "Authorize" under docker compose). */
  readonly docsIssuerAlias: IssuerAlias | undefined
}

const MAX_WORKERS = 64
const MAX_SHUTDOWN_SECONDS = 3600

function readPort(env: Environment, variable: string, problems: ConfigProblem[]): number | undefined {
  const raw = env[variable]?.trim() || undefined
  if (raw === undefined) return undefined
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port > 65_535) {
    problems.push({ variable, problem: 'must be a port number from 0 (any free port) to 65535', example: '8000' })
    return undefined
  }
  return port
}

function readSeconds(
  env: Environment,
  variable: string,
  fallback: number,
  problems: ConfigProblem[],
  example: string,
): number {
  const raw = env[variable]?.trim() || undefined
  if (raw === undefined) return fallback * 1000
  const seconds = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds > MAX_SHUTDOWN_SECONDS) {
    problems.push({ variable, problem: `must be a number of seconds from 0 to ${MAX_SHUTDOWN_SECONDS}`, example })
    return fallback * 1000
  }
  return Math.round(seconds * 1000)
}

function readWorkers(env: Environment, problems: ConfigProblem[]): number {
  const raw = env.WEB_CONCURRENCY?.trim() || undefined
  if (raw === undefined) return 1
  if (raw === 'auto') return Math.min(MAX_WORKERS, availableParallelism())
  const workers = Number(raw)
  if (!/^\d+$/.test(raw) || workers < 1 || workers > MAX_WORKERS) {
    problems.push({
      variable: 'WEB_CONCURRENCY',
      problem: `must be a number of processes from 1 to ${MAX_WORKERS}, or auto (one per CPU)`,
      example: 'auto',
    })
    return 1
  }
  return workers
}

/**
 * PORT (default 8000, as in the tutorial; 0 picks a free port), HOST (default 0.0.0.0), METRICS_PORT (unset:
 * /metrics on PORT), SHUTDOWN_DELAY_SECONDS (0), SHUTDOWN_TIMEOUT_SECONDS (10), WEB_CONCURRENCY (1), CORS_ORIGINS
 * (unset: CORS off) and DOCS_ISSUER_ALIAS (unset: none).
 */
export function loadServerConfig(env: Environment): ServerConfig {
  const problems: ConfigProblem[] = []
  const port = readPort(env, 'PORT', problems) ?? 8000
  const host = env.HOST?.trim() || '0.0.0.0'
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    problems.push({ variable: 'HOST', problem: 'must be a host name or an IP address', example: '0.0.0.0' })
  }
  const metricsPort = readPort(env, 'METRICS_PORT', problems)
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    problems.push({
      variable: 'METRICS_PORT',
      problem: 'must differ from PORT (leave it unset to serve /metrics on PORT)',
      example: '9464',
    })
  }
  const shutdownDelayMs = readSeconds(env, 'SHUTDOWN_DELAY_SECONDS', 0, problems, '5')
  const shutdownTimeoutMs = readSeconds(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10, problems, '10')
  const workers = readWorkers(env, problems)
  const cors = corsOrigins(env.CORS_ORIGINS?.trim() || undefined, problems)
  const docsAlias = docsIssuerAlias(env.DOCS_ISSUER_ALIAS?.trim() || undefined, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    port,
    host,
    metricsPort,
    shutdownDelayMs,
    shutdownTimeoutMs,
    workers,
    cors,
    docsIssuerAlias: docsAlias,
  })
}
