import {
  DEFAULT_TOKEN_CACHE_ENTRIES,
  DEFAULT_TOKEN_CACHE_MAX_AGE_SECONDS,
  isLoopbackHost,
  type KeySetSource,
  SUPPORTED_ALGORITHMS,
  type SupportedAlgorithm,
  type TransportPolicy,
  transportProblem,
} from '@repo/access-token'
import { type DpopConfig, loadDpopConfig } from './dpop-config.ts'
import { ConfigError, type Environment, Reader, read } from './reader.ts'
import { loadResourceConfig, type ResourceConfig } from './resource-config.ts'

/** The asymmetric algorithms the verifier supports; HS* and `none` are never configurable. */
export const ALGORITHMS = SUPPORTED_ALGORITHMS
export type Algorithm = SupportedAlgorithm

/** The validated, frozen auth configuration. */
export interface AuthConfig {
  /**
   * Where the keys and the expected `iss` come from, as the key set takes it: Auth0's fixed layout
   * (`issuer` + `jwksUri`), or an issuer to discover (`discoveryBaseUrl`).
   */
  readonly keySource: KeySetSource
  /** Which hosts besides loopback may be reached over plain http (the issuer, and a discovered `jwks_uri`). */
  readonly transport: TransportPolicy
  readonly audience: string
  readonly algorithms: readonly Algorithm[]
  readonly clockToleranceSeconds: number
  /** RFC 9068 strict profile (`typ: at+jwt`, `client_id`, `jti`, …). */
  readonly strictProfile: boolean
  readonly maxTokenAgeSeconds: number | undefined
  readonly jwks: {
    readonly timeoutMs: number
    readonly cooldownMs: number
    readonly staleIfErrorMs: number
  }
  /** The verified-token cache: `maxEntries` 0 turns it off. */
  readonly tokenCache: {
    readonly maxEntries: number
    readonly maxAgeSeconds: number
  }
  /** DPoP (RFC 9449): mode, proof rules, nonces and the replay store. */
  readonly dpop: DpopConfig
  /** Where clients reach the API and what they call it (RFC 9728). */
  readonly resource: ResourceConfig
}

export interface LoadedAuthConfig {
  readonly config: AuthConfig
  /** Things worth a warning at start-up (an insecure issuer URL, an ignored variable). */
  readonly warnings: readonly string[]
}

// The values tutorials and .env.example show: never configuration. `your-tenant`, `YOUR_DOMAIN`, `{yourDomain}`,
// `<your-api>`, … A placeholder used as an issuer would make every protected call answer 503 while the server
// looks healthy, so it is refused with a line saying which variable to edit.
const PLACEHOLDER = /your[-_ ]?(?:tenant|domain|issuer|api|audience)|[{}<>]/i

/** A value that is still a placeholder, named so the user knows what to edit. */
function refusePlaceholder(
  reader: Reader,
  variable: string,
  value: string | undefined,
  example: string,
): string | undefined {
  if (value === undefined || !PLACEHOLDER.test(value)) return value
  return reader.fail(
    variable,
    `is still a placeholder (${value.slice(0, 80)}): edit it in .env or the environment`,
    example,
  )
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i

function auth0Domain(reader: Reader, raw: string): KeySetSource | undefined {
  // Accept the forms people paste from the Auth0 dashboard: `tenant.auth0.com`, with https:// or a slash.
  const domain = raw.replace(/^https:\/\//i, '').replace(/\/$/, '')
  if (!HOSTNAME.test(domain)) {
    return reader.fail('AUTH0_DOMAIN', 'must be a host name without path', 'your-tenant.us.auth0.com')
  }
  const origin = `https://${domain.toLowerCase()}`
  return { issuer: `${origin}/`, jwksUri: `${origin}/.well-known/jwks.json` }
}

/** AUTH0_ALLOW_INSECURE_ISSUER: `true`, or the host[:port] list that may be reached over plain http. */
function transportPolicy(reader: Reader): TransportPolicy {
  const raw = read(reader.env, 'AUTH0_ALLOW_INSECURE_ISSUER')
  if (raw === undefined || raw.toLowerCase() === 'false') return { insecureHosts: [] }
  if (raw.toLowerCase() === 'true') return { insecureHosts: 'any' }
  return { insecureHosts: raw.split(',').map((host) => host.trim().toLowerCase()) }
}

function discoverySource(reader: Reader, raw: string, transport: TransportPolicy): KeySetSource | undefined {
  const example = 'https://issuer.example.com/'
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return reader.fail('AUTH0_ISSUER_BASE_URL', 'must be an absolute URL', example)
  }
  if (url.search !== '') return reader.fail('AUTH0_ISSUER_BASE_URL', 'must not have a query', example)
  switch (transportProblem(url, transport)) {
    case 'not_http':
      return reader.fail('AUTH0_ISSUER_BASE_URL', 'must be an http(s) URL', example)
    case 'credentials':
    case 'fragment':
      return reader.fail('AUTH0_ISSUER_BASE_URL', 'must not have a fragment or credentials', example)
    case 'insecure':
      return reader.fail(
        'AUTH0_ISSUER_BASE_URL',
        `must use https unless the host is loopback or AUTH0_ALLOW_INSECURE_ISSUER names it (${url.host})`,
        example,
      )
    case undefined:
      if (url.protocol === 'http:' && !isLoopbackHost(url)) {
        reader.warnings.push(
          `AUTH0_ISSUER_BASE_URL uses plain http to ${url.host}: keys and tokens can be tampered with in transit; development only`,
        )
      }
  }
  // Keep the value as written (apart from a trailing slash): discovery compares it with `issuer`.
  return { discoveryBaseUrl: raw.replace(/\/+$/, '') }
}

/**
 * Parses the auth settings of an environment (process variables merged with `.env`). Throws one
 * `ConfigError` listing every problem; never reads `process.env` itself.
 */
export function loadAuthConfig(env: Environment): LoadedAuthConfig {
  const reader = new Reader(env)
  const rawDomain = read(env, 'AUTH0_DOMAIN')
  const rawBaseUrl = read(env, 'AUTH0_ISSUER_BASE_URL')
  const transport = transportPolicy(reader)
  let keySource: KeySetSource | undefined
  if (rawDomain !== undefined) {
    const domain = refusePlaceholder(reader, 'AUTH0_DOMAIN', rawDomain, 'dev-abc123.us.auth0.com')
    if (domain !== undefined) keySource = auth0Domain(reader, domain)
    // DOMAIN wins so that a `.env` naming an Auth0 tenant overrides a default issuer (docker compose).
    if (rawBaseUrl !== undefined) reader.warnings.push('AUTH0_DOMAIN is set, so AUTH0_ISSUER_BASE_URL is ignored')
  } else if (rawBaseUrl !== undefined) {
    const baseUrl = refusePlaceholder(
      reader,
      'AUTH0_ISSUER_BASE_URL',
      rawBaseUrl,
      'https://login.example.com/realms/main',
    )
    if (baseUrl !== undefined) keySource = discoverySource(reader, baseUrl, transport)
  } else {
    reader.fail(
      'AUTH0_DOMAIN',
      'is required (or AUTH0_ISSUER_BASE_URL for any OpenID issuer)',
      'your-tenant.us.auth0.com',
    )
  }

  const rawAudience = read(env, 'AUTH0_API_AUDIENCE')
  const audience = refusePlaceholder(reader, 'AUTH0_API_AUDIENCE', rawAudience, 'https://api.example.com')
  if (rawAudience === undefined) reader.fail('AUTH0_API_AUDIENCE', 'is required', 'https://api.example.com')

  const config = {
    algorithms: reader.list('AUTH0_ALGORITHMS', ALGORITHMS, ['RS256'], 'RS256,PS256'),
    clockToleranceSeconds: reader.integer('AUTH0_CLOCK_TOLERANCE', 5, 0, 300, '5'),
    strictProfile: reader.flag('AUTH0_STRICT_RFC9068'),
    maxTokenAgeSeconds:
      read(env, 'AUTH0_MAX_TOKEN_AGE') === undefined
        ? undefined
        : reader.integer('AUTH0_MAX_TOKEN_AGE', 0, 1, 31_536_000, '86400'),
    jwks: {
      timeoutMs: reader.integer('AUTH0_JWKS_TIMEOUT_MS', 5000, 100, 60_000, '5000'),
      cooldownMs: reader.integer('AUTH0_JWKS_COOLDOWN_SECONDS', 30, 1, 3600, '30') * 1000,
      staleIfErrorMs: reader.integer('AUTH0_JWKS_STALE_IF_ERROR_SECONDS', 3600, 0, 604_800, '3600') * 1000,
    },
    tokenCache: {
      maxEntries: reader.integer('AUTH0_TOKEN_CACHE_SIZE', DEFAULT_TOKEN_CACHE_ENTRIES, 0, 100_000, '1000'),
      maxAgeSeconds: reader.integer(
        'AUTH0_TOKEN_CACHE_MAX_SECONDS',
        DEFAULT_TOKEN_CACHE_MAX_AGE_SECONDS,
        1,
        3600,
        '60',
      ),
    },
  }

  const dpop = loadDpopConfig(reader)
  const resource = loadResourceConfig(reader, audience)

  if (reader.problems.length > 0 || keySource === undefined || audience === undefined) {
    throw new ConfigError(reader.problems)
  }
  return {
    config: deepFreeze({ keySource, transport, audience, ...config, dpop, resource }),
    warnings: reader.warnings,
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child)
  return Object.freeze(value)
}

/** The issuer a configuration trusts, for log lines: the Auth0 issuer, or the base URL to discover. */
export function describeIssuer(config: Pick<AuthConfig, 'keySource'>): string {
  const source = config.keySource
  return 'issuer' in source ? source.issuer : source.discoveryBaseUrl
}
