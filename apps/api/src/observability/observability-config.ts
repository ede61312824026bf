import { ConfigError, type ConfigProblem, type Environment } from '@repo/auth-config'
import { LOG_LEVELS, type LogLevel } from '../logger.ts'

/** Where spans go: OpenTelemetry over OTLP/HTTP (JSON), only when an endpoint is configured. */
export interface TracingConfig {
  /** The full traces URL (`.../v1/traces`). */
  readonly url: string
  readonly serviceName: string
}

export interface ObservabilityConfig {
  readonly logLevel: LogLevel
  /** `METRICS_ENABLED=false`: no /metrics and no per-request counting (request ids and logs stay). */
  readonly metrics: boolean
  /**
   * `ACCESS_LOG`: one line per request (at `info`). Off by default: about 2.5 µs a request, a sixth of a cached one;
   * `bun run dev` and docker compose turn it on, for the developer watching them.
   */
  readonly accessLog: boolean
  /** `undefined`: tracing is off, and costs nothing. */
  readonly tracing: TracingConfig | undefined
}

function readUrl(env: Environment, variable: string, problems: ConfigProblem[]): URL | undefined {
  const raw = env[variable]?.trim() || undefined
  if (raw === undefined) return undefined
  const url = URL.parse(raw)
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    problems.push({
      variable,
      problem: 'must be an http(s) URL without credentials',
      example: 'http://otel-collector:4318',
    })
    return undefined
  }
  return url
}

/**
 * LOG_LEVEL (debug|info|warn|error, default info), METRICS_ENABLED (default true), ACCESS_LOG (default false) and the standard OpenTelemetry variables this app honours:
 * OTEL_EXPORTER_OTLP_ENDPOINT (the collector's base URL; traces go to `/v1/traces` under it),
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full traces URL, wins), OTEL_SERVICE_NAME (default `api`) and
 * OTEL_SDK_DISABLED (`true` turns tracing off whatever the endpoint).
 */
export function loadObservabilityConfig(env: Environment): ObservabilityConfig {
  const problems: ConfigProblem[] = []
  const rawLevel = env.LOG_LEVEL?.trim().toLowerCase() || 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(rawLevel)) {
    problems.push({ variable: 'LOG_LEVEL', problem: `must be one of ${LOG_LEVELS.join(', ')}`, example: 'info' })
  }
  const flag = (variable: string, fallback: 'true' | 'false') => {
    const raw = env[variable]?.trim().toLowerCase() || fallback
    if (raw !== 'true' && raw !== 'false')
      problems.push({ variable, problem: 'must be true or false', example: 'false' })
    return raw !== 'false'
  }
  const metrics = flag('METRICS_ENABLED', 'true')
  const accessLog = flag('ACCESS_LOG', 'false')
  const base = readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', problems)
  const traces = readUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', problems)
  if (problems.length > 0) throw new ConfigError(problems)
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true'
  const url = traces?.href ?? (base === undefined ? undefined : `${base.href.replace(/\/$/, '')}/v1/traces`)
  return Object.freeze({
    logLevel: rawLevel as LogLevel,
    metrics,
    accessLog,
    tracing:
      url === undefined || disabled
        ? undefined
        : Object.freeze({ url, serviceName: env.OTEL_SERVICE_NAME?.trim() || 'api' }),
  })
}
