/** A development client allowed to use the client_credentials grant. */
export interface DevClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Scopes the client may be granted; a request without `scope` gets all of them (as Auth0 does). */
  readonly scopes: readonly string[]
}

export interface IssuerConfig {
  /** The `iss` of every token, whoever asks and by whichever host name. */
  readonly issuer: string
  readonly port: number
  readonly host: string
  readonly clients: readonly DevClient[]
  /** A private JWK given in the environment, if any. */
  readonly signingKey: string | undefined
  /** Where a generated key is kept between restarts; unset: a new key on every start. */
  readonly signingKeyFile: string | undefined
  readonly accessTokenTtlSeconds: number
}

/** Documented defaults: one client with the tutorial's scopes, one without `read:messages` (the 403 case). */
export const DEFAULT_CLIENTS: readonly DevClient[] = [
  { clientId: 'local-client', clientSecret: 'local-secret', scopes: ['read:messages', 'write:messages'] },
  { clientId: 'limited-client', clientSecret: 'limited-secret', scopes: ['write:messages'] },
]

export class IssuerConfigError extends Error {
  override name = 'IssuerConfigError'
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

export function loadIssuerConfig(raw: Readonly<Record<string, string | undefined>>): IssuerConfig {
  // Blank means unset (docker compose passes `${VAR:-}` as an empty string).
  const env = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value.trim() !== ''))
  const port = Number(env.ISSUER_PORT ?? env.PORT ?? 9000)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new IssuerConfigError('ISSUER_PORT must be a port number (e.g. ISSUER_PORT=9000)')
  }
  const issuer = (env.ISSUER_URL ?? `http://localhost:${port === 0 ? 9000 : port}`).replace(/\/+$/, '')
  try {
    new URL(issuer)
  } catch {
    throw new IssuerConfigError('ISSUER_URL must be an absolute URL (e.g. ISSUER_URL=http://localhost:9000)')
  }
  const ttl = Number(env.ISSUER_ACCESS_TOKEN_TTL ?? 3600)
  if (!Number.isInteger(ttl) || ttl < 60) {
    throw new IssuerConfigError('ISSUER_ACCESS_TOKEN_TTL must be a number of seconds >= 60 (e.g. 3600)')
  }
  return {
    issuer,
    port,
    host: env.ISSUER_HOST ?? '0.0.0.0',
    clients: env.ISSUER_CLIENTS === undefined ? DEFAULT_CLIENTS : parseClients(env.ISSUER_CLIENTS),
    signingKey: env.ISSUER_SIGNING_KEY || undefined,
    signingKeyFile: env.ISSUER_SIGNING_KEY_FILE || undefined,
    accessTokenTtlSeconds: ttl,
  }
}
