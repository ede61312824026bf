import { ConfigError, type ConfigProblem, type Environment } from '@repo/auth-config'
import type { CorsConfig } from './cors.ts'
import type { IssuerAlias } from './token-endpoint.ts'

export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** Browser apps allowed to call the API cross-origin; undefined: CORS off (no CORS headers at all). */
  readonly cors: CorsConfig | undefined
  /** The issuer's origin as browsers reach it, when not the API's (/docs "Authorize" under docker compose). */
  readonly docsIssuerAlias: IssuerAlias | undefined
}

/** A value quoted for an error line: one line, never long. */
const quoted = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)

/**
 * An http(s) origin exactly as browsers serialise it in `Origin` (RFC 6454 §6.1): lowercase scheme and host, no
 * default port, no path, not even `/`. Anything else could never match, so it is refused rather than ignored.
 */
export function isSerializedOrigin(value: string): boolean {
  const url = URL.parse(value)
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value
}

function corsOrigins(raw: string | undefined, problems: ConfigProblem[]): CorsConfig | undefined {
  if (raw === undefined) return undefined
  const origins = raw.split(',').map((entry) => entry.trim())
  const bad = origins.find((origin) => !isSerializedOrigin(origin))
  if (bad !== undefined) {
    problems.push({
      variable: 'CORS_ORIGINS',
      problem: `must be comma-separated origins, scheme://host[:port] in lowercase without a path or a trailing slash (got ${quoted(bad)})`,
      example: 'https://app.example.com,http://localhost:5173',
    })
    return undefined
  }
  return Object.freeze({ origins: Object.freeze([...new Set(origins)]) })
}

/** `DOCS_ISSUER_ALIAS=FROM=TO`: two origins (an origin holds no `=`). */
function docsIssuerAlias(raw: string | undefined, problems: ConfigProblem[]): IssuerAlias | undefined {
  if (raw === undefined) return undefined
  const [from = '', to = '', ...rest] = raw.split('=').map((part) => part.trim())
  if (rest.length > 0 || !isSerializedOrigin(from) || !isSerializedOrigin(to)) {
    problems.push({
      variable: 'DOCS_ISSUER_ALIAS',
      problem: `must be two origins joined by "=": the issuer as the API reaches it, then as browsers do (got ${quoted(raw)})`,
      example: 'http://issuer:9000=http://localhost:9000',
    })
    return undefined
  }
  return Object.freeze({ from, to })
}

/**
 * PORT (default 8000, as in the tutorial; 0 picks a free port), HOST (default 0.0.0.0) and CORS_ORIGINS (unset:
 * CORS off), DOCS_ISSUER_ALIAS (unset: none).
 */
export function loadServerConfig(env: Environment): ServerConfig {
  const problems: ConfigProblem[] = []
  const rawPort = env.PORT?.trim() || undefined
  const port = rawPort === undefined ? 8000 : Number(rawPort)
  if (rawPort !== undefined && (!/^\d+$/.test(rawPort) || port > 65_535)) {
    problems.push({
      variable: 'PORT',
      problem: 'must be a port number from 0 (any free port) to 65535',
      example: '8000',
    })
  }
  const host = env.HOST?.trim() || '0.0.0.0'
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    problems.push({ variable: 'HOST', problem: 'must be a host name or an IP address', example: '0.0.0.0' })
  }
  const cors = corsOrigins(env.CORS_ORIGINS?.trim() || undefined, problems)
  const docsAlias = docsIssuerAlias(env.DOCS_ISSUER_ALIAS?.trim() || undefined, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({ port, host, cors, docsIssuerAlias: docsAlias })
}
