import type { ConfigProblem } from '@repo/auth-config'
import type { CorsConfig } from './cors.ts'
import type { IssuerAlias } from './token-endpoint.ts'

// What browsers need: CORS_ORIGINS and DOCS_ISSUER_ALIAS, read into the server configuration.

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

export function corsOrigins(raw: string | undefined, problems: ConfigProblem[]): CorsConfig | undefined {
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
export function docsIssuerAlias(raw: string | undefined, problems: ConfigProblem[]): IssuerAlias | undefined {
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
