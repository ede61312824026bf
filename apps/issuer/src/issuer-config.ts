/** A development client allowed to use the client_credentials grant. */
export interface DevClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Scopes the client may be granted; a request without `scope` gets all of them (as Auth0 does). */
  readonly scopes: readonly string[]
}

export interface IssuerConfig {
  /**
   * The `iss` of every token, whoever asks and by whichever host name. Unset: derived from the bound port
   * once listening (`http://<host>:<port>`), so that `ISSUER_PORT=0` needs no port chosen in advance.
   */
  readonly issuer: string | undefined
  /** `0`: any free port, read back after listening. */
  readonly port: number
  readonly host: string
  readonly clients: readonly DevClient[]
  /** The APIs (Auth0's audiences, RFC 8707 resources) tokens may be issued for; any other is refused. */
  readonly audiences: readonly string[]
  /** A private JWK given in the environment, if any. */
  readonly signingKey: string | undefined
  /** Where a generated key is kept between restarts; unset: a new key on every start. */
  readonly signingKeyFile: string | undefined
  readonly accessTokenTtlSeconds: number
  /**
   * Browser origins allowed to call the token endpoint (an API's Swagger UI, a single-page app): `'*'` for any, the
   * default of a development issuer whose clients and secrets are public anyway.
   */
  readonly corsOrigins: '*' | readonly string[]
}

/** Documented defaults: one client with the tutorial's scopes, one without `read:messages` (the 403 case). */
export const DEFAULT_CLIENTS: readonly DevClient[] = [
  { clientId: 'local-client', clientSecret: 'local-secret', scopes: ['read:messages', 'write:messages'] },
  { clientId: 'limited-client', clientSecret: 'limited-secret', scopes: ['write:messages'] },
]

/** The API identifier the API (`AUTH0_API_AUDIENCE`) and docker compose use by default. */
export const DEFAULT_AUDIENCES: readonly string[] = ['https://api.local.test']

/**
 * Token lifetimes allowed, in seconds. oidc-provider only asks for a positive integer; a token that expires
 * within a minute cannot be pasted and tried by hand, and Auth0 allows APIs at most 30 days.
 */
export const ACCESS_TOKEN_TTL_RANGE = { min: 60, max: 2_592_000 } as const

export class IssuerConfigError extends Error {
  override name = 'IssuerConfigError'
}

/** A value quoted for an error line: one line, never long. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
}

function parseClients(raw: string): DevClient[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new IssuerConfigError(
      'ISSUER_CLIENTS must be JSON (e.g. ISSUER_CLIENTS=[{"client_id":"app","client_secret":"s3cret","scope":"read:messages"}])',
    )
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new IssuerConfigError('ISSUER_CLIENTS must be a non-empty JSON array of clients')
  }
  return parsed.map((entry: unknown) => {
    const { client_id, client_secret, scope } = (entry ?? {}) as Record<string, unknown>
    if (
      typeof client_id !== 'string' ||
      typeof client_secret !== 'string' ||
      typeof scope !== 'string' ||
      scope.trim() === ''
    ) {
      throw new IssuerConfigError(
        'ISSUER_CLIENTS entries need string "client_id", "client_secret" and a non-empty "scope"',
      )
    }
    return { clientId: client_id, clientSecret: client_secret, scopes: scope.split(' ').filter(Boolean) }
  })
}

function parseAudiences(raw: string): string[] {
  const audiences = raw.split(',').map((entry) => entry.trim())
  for (const audience of audiences) {
    // RFC 8707 §2: a resource indicator is an absolute URI without a fragment; oidc-provider refuses others.
    if (URL.parse(audience) === null || audience.includes('#')) {
      throw new IssuerConfigError(
        `ISSUER_AUDIENCES must be comma-separated absolute URIs without a fragment (e.g. ISSUER_AUDIENCES=https://api.local.test,https://other-api.local.test), got ${quoted(audience)}`,
      )
    }
  }
  return [...new Set(audiences)]
}

function parseTtl(raw: string | undefined): number {
  const { min, max } = ACCESS_TOKEN_TTL_RANGE
  const ttl = Number(raw ?? 3600)
  if (!Number.isInteger(ttl) || ttl < min || ttl > max) {
    throw new IssuerConfigError(
      `ISSUER_ACCESS_TOKEN_TTL must be a whole number of seconds from ${min} to ${max} (e.g. ISSUER_ACCESS_TOKEN_TTL=3600), got ${quoted(raw ?? '')}`,
    )
  }
  return ttl
}

function parseCorsOrigins(raw: string | undefined): '*' | string[] {
  if (raw === undefined || raw === '*') return '*'
  const origins = raw.split(',').map((entry) => entry.trim())
  for (const origin of origins) {
    // As browsers send it in `Origin`: scheme, host and port only, no trailing slash.
    if (URL.parse(origin)?.origin !== origin || !/^https?:/.test(origin)) {
      throw new IssuerConfigError(
        `ISSUER_CORS_ORIGINS must be * or comma-separated origins (e.g. ISSUER_CORS_ORIGINS=http://localhost:8000,http://127.0.0.1:8000), got ${quoted(origin)}`,
      )
    }
  }
  return [...new Set(origins)]
}

/** The issuer's configuration from its environment; throws {@link IssuerConfigError} with a one-line message. */
export function loadIssuerConfig(raw: Readonly<Record<string, string | undefined>>): IssuerConfig {
  // Blank means unset (docker compose passes `${VAR:-}` as an empty string).
  const env = Object.fromEntries(
    Object.entries(raw)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '')
      .map(([key, value]) => [key, value.trim()]),
  )
  const port = Number(env.ISSUER_PORT ?? env.PORT ?? 9000)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new IssuerConfigError('ISSUER_PORT must be a port number from 0 (any free port) to 65535 (e.g. 9000)')
  }
  const issuer = env.ISSUER_URL?.replace(/\/+$/, '')
  if (issuer !== undefined && !/^https?:$/.test(URL.parse(issuer)?.protocol ?? '')) {
    throw new IssuerConfigError('ISSUER_URL must be an absolute http(s) URL (e.g. ISSUER_URL=http://localhost:9000)')
  }
  return {
    issuer,
    port,
    host: env.ISSUER_HOST ?? '0.0.0.0',
    clients: env.ISSUER_CLIENTS === undefined ? DEFAULT_CLIENTS : parseClients(env.ISSUER_CLIENTS),
    audiences: env.ISSUER_AUDIENCES === undefined ? DEFAULT_AUDIENCES : parseAudiences(env.ISSUER_AUDIENCES),
    signingKey: env.ISSUER_SIGNING_KEY,
    signingKeyFile: env.ISSUER_SIGNING_KEY_FILE,
    accessTokenTtlSeconds: parseTtl(env.ISSUER_ACCESS_TOKEN_TTL),
    corsOrigins: parseCorsOrigins(env.ISSUER_CORS_ORIGINS),
  }
}
