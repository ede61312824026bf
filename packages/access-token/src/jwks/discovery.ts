import { type FetchIssuerJsonOptions, fetchIssuerJson, IssuerFetchError } from './fetch-issuer-json.ts'
import { boundForLog, redactUrl, type TransportPolicy, transportProblem } from './transport-policy.ts'

/** What the verifier needs from an issuer: the exact `iss` value and where its keys are. */
export interface IssuerMetadata {
  readonly issuer: string
  readonly jwksUri: string
  /**
   * Where clients get tokens (RFC 8414 `token_endpoint`), for API consoles: present only when it is a URL that the
   * transport rules allow. The verifier never calls it, so a missing or unusable one never fails discovery.
   */
  readonly tokenEndpoint?: string
}

const withoutTrailingSlash = (value: string) => (value.endsWith('/') ? value.slice(0, -1) : value)

/** The OpenID Connect Discovery 1.0 §4 location for an issuer base URL. */
export function discoveryUrl(baseUrl: string): string {
  return `${withoutTrailingSlash(baseUrl)}/.well-known/openid-configuration`
}

/**
 * Fetches and checks the discovery document. Its `issuer` must equal the configured base URL, one
 * trailing slash aside (RFC 8414 §3.3, OIDC Discovery §4.3): anything else is refused rather than
 * trusted, since it would let the document choose which tokens we accept. Its `jwks_uri` must pass the
 * same transport rules as the configured issuer.
 */
export async function discoverIssuer(
  baseUrl: string,
  options: FetchIssuerJsonOptions & { readonly transport: TransportPolicy },
): Promise<IssuerMetadata> {
  const url = discoveryUrl(baseUrl)
  const { body } = await fetchIssuerJson(url, options)
  if (typeof body !== 'object' || body === null) {
    throw new IssuerFetchError('invalid_response', `${url} is not a JSON object`)
  }
  const { issuer, jwks_uri: jwksUri, token_endpoint: tokenEndpoint } = body as Record<string, unknown>
  if (typeof issuer !== 'string' || typeof jwksUri !== 'string') {
    throw new IssuerFetchError('invalid_response', `${url} lacks "issuer" or "jwks_uri"`)
  }
  if (withoutTrailingSlash(issuer) !== withoutTrailingSlash(baseUrl)) {
    throw new IssuerFetchError(
      'issuer_mismatch',
      `discovery document issuer ${JSON.stringify(boundForLog(issuer))} does not match the configured ${JSON.stringify(baseUrl)}`,
    )
  }
  let keysUrl: URL
  try {
    keysUrl = new URL(jwksUri)
  } catch (cause) {
    throw new IssuerFetchError('invalid_response', `${url} has an invalid "jwks_uri"`, { cause })
  }
  const problem = transportProblem(keysUrl, options.transport)
  if (problem !== undefined) {
    throw new IssuerFetchError(
      'invalid_response',
      `${url} has a "jwks_uri" that may not be fetched (${problem}): ${redactUrl(jwksUri)}`,
    )
  }
  const tokenUrl = typeof tokenEndpoint === 'string' ? URL.parse(tokenEndpoint) : null
  // Client secrets are posted there: the same transport rules as for the keys, or it is left out.
  if (tokenUrl === null || transportProblem(tokenUrl, options.transport) !== undefined) {
    return { issuer, jwksUri: keysUrl.href }
  }
  return { issuer, jwksUri: keysUrl.href, tokenEndpoint: tokenUrl.href }
}
