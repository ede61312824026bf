import { InvalidRequestError, MissingCredentialsError } from '../errors.ts'

/**
 * RFC 6750 §2 and RFC 9449 §7.1: where an access token may come from. Typed against plain values so that any
 * framework can call it. Only the header method (§2.1) is accepted. A token in the query string (§2.3) is refused
 * with `invalid_request`, since it leaks into logs and history. Bodies are never read for credentials: the
 * form-body method (§2.2) is not supported, and authentication happens before a body is parsed, so a token sent
 * only there is "no credentials" (§3.1: an unsupported method gets a challenge without an error code).
 */
export interface BearerRequest {
  /** The raw `Authorization` header value, if any. */
  readonly authorization?: string | null | undefined
  /** The request URL (absolute, or a path with its query); only the query string is read. */
  readonly url?: string | undefined
}

/** What `extractCredentials` also reads: the `DPoP` proof header (RFC 9449 §4.1). */
export interface CredentialRequest extends BearerRequest {
  /** The raw `DPoP` header value; a runtime joins several `DPoP` fields with `, `. */
  readonly dpop?: string | null | undefined
}

/** The two schemes this package understands (RFC 6750, RFC 9449 §7.1). */
export type AuthScheme = 'bearer' | 'dpop'

/** A credential as the client sent it; nothing in it is verified yet. */
export interface Credentials {
  readonly scheme: AuthScheme
  readonly token: string
  /** Each `DPoP` proof sent (RFC 9449 §4.3 allows exactly one); empty when there is no `DPoP` header. */
  readonly proofs: readonly string[]
}

/** Larger than any real access token; bounded so that the parser and verifier do bounded work. */
export const MAX_AUTHORIZATION_LENGTH = 12 * 1024

// RFC 6750 §2.1 b64token and RFC 9110 §11.2 token68 (the DPoP scheme's syntax): 1*( ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * RFC 9110 §11.1: the scheme is case-insensitive. A switch rather than a lookup object, whose prototype would make
 * `constructor` and `__proto__` schemes; the usual spelling is tried before lowercasing anything.
 */
function schemeNamed(name: string): AuthScheme | undefined {
  if (name === 'Bearer') return 'bearer'
  if (name.length !== 6 && name.length !== 4) return undefined
  switch (name.toLowerCase()) {
    case 'bearer':
      return 'bearer'
    case 'dpop':
      return 'dpop'
    default:
      return undefined
  }
}

/** Whether the query string carries `access_token` (RFC 6750 §2.3), without parsing URLs that have no query. */
export function hasQueryToken(url: string | undefined): boolean {
  if (url === undefined) return false
  const start = url.indexOf('?')
  if (start === -1 || !url.includes('access_token', start)) return false
  return new URLSearchParams(url.slice(start + 1).split('#', 1)[0]).has('access_token')
}

const isOws = (code: number) => code === 0x20 || code === 0x09
/**
 * RFC 9110 §5.6.3: optional whitespace is spaces and tabs only (String#trim would also eat \v, \f, NBSP). A scan
 * from each end: a regular expression for the trailing part tried every position of a 1 KB header.
 */
function trimOws(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isOws(value.charCodeAt(start))) start += 1
  while (end > start && isOws(value.charCodeAt(end - 1))) end -= 1
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/** The scheme of an `Authorization` value with its optional whitespace trimmed, when it is one of ours. */
function schemeOf(value: string): { scheme: AuthScheme | undefined; space: number } {
  const space = value.indexOf(' ')
  return { scheme: schemeNamed(space === -1 ? value : value.slice(0, space)), space }
}

/** The scheme an `Authorization` header names, when it is Bearer or DPoP (in any case); for the answer's challenge. */
export function authorizationScheme(header: string | null | undefined): AuthScheme | undefined {
  return typeof header === 'string' ? schemeOf(trimOws(header)).scheme : undefined
}

/**
 * Splits `<scheme> <token>` of a value already trimmed; returns undefined when the scheme is neither Bearer nor
 * DPoP (another scheme is "no credentials" of ours).
 */
function parseAuthorization(value: string): { scheme: AuthScheme; token: string } | undefined {
  const { scheme, space } = schemeOf(value)
  if (scheme === undefined) return undefined
  // `fetch` clients trim "Bearer " to "Bearer": an empty token either way. RFC 6750 §2.1: 1*SP.
  let from = space === -1 ? value.length : space + 1
  while (value.charCodeAt(from) === 0x20) from += 1
  const token = value.slice(from)
  if (token === '') throw InvalidRequestError.of('empty_token')
  return { scheme, token }
}

/** Refuses a token that is not a b64token (RFC 6750 §2.1) / token68 (RFC 9110 §11.2): `invalid_request`. */
export function checkTokenSyntax(token: string): void {
  if (!B64TOKEN.test(token)) throw InvalidRequestError.of('malformed_header')
}

/** The proofs of a `DPoP` header. A compact JWS has no `,`, so a comma means several fields (or a broken one). */
function splitProofs(header: string | null | undefined): string[] {
  if (typeof header !== 'string' || trimOws(header) === '') return []
  return header.split(',').map(trimOws)
}

/**
 * Returns the credential of a request (`Bearer` or `DPoP` scheme, and any `DPoP` proofs), or throws:
 * - `MissingCredentialsError` when there is no credential of either scheme (401, no error code);
 * - `InvalidRequestError` for a malformed credential or a token in the query string (400).
 * Which schemes are accepted, and whether the proofs are valid, is for the caller to decide.
 */
export function extractCredentials(request: CredentialRequest): Credentials {
  const credentials = extractUncheckedCredentials(request)
  checkTokenSyntax(credentials.token)
  return credentials
}

/**
 * `extractCredentials` but for the token's characters, which the caller checks with `checkTokenSyntax` unless it
 * knows the very text already (a token it accepted before, found in its cache): the check is a scan of the whole
 * token, about 0.5 µs of a cache hit's few. Nothing else is thrown between the two, so the errors come in the same
 * order either way.
 */
export function extractUncheckedCredentials(request: CredentialRequest): Credentials {
  const header = request.authorization
  // Bounded before any other work on it.
  if (typeof header === 'string' && header.length > MAX_AUTHORIZATION_LENGTH) {
    throw InvalidRequestError.of('header_too_large')
  }
  const value = typeof header === 'string' ? trimOws(header) : ''
  if (hasQueryToken(request.url)) throw InvalidRequestError.of(value !== '' ? 'multiple_methods' : 'token_in_query')
  if (value === '') throw MissingCredentialsError.of()
  const credential = parseAuthorization(value)
  if (credential === undefined) throw MissingCredentialsError.of('unsupported_scheme')
  return { ...credential, proofs: splitProofs(request.dpop) }
}

/**
 * Returns the bearer token of a request, or throws as `extractCredentials` does; the `DPoP` scheme counts as
 * another scheme here (no bearer credentials).
 */
export function extractBearerToken(request: BearerRequest): string {
  const { scheme, token } = extractCredentials(request)
  if (scheme !== 'bearer') throw MissingCredentialsError.of('unsupported_scheme')
  return token
}
