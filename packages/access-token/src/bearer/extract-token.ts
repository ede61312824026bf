import { InvalidRequestError, MissingCredentialsError } from '../errors.ts'

/**
 * RFC 6750 §2: where a bearer token may come from. Typed against plain values so that any framework can call
 * it. Only the header method (§2.1) is accepted. A token in the query string (§2.3) is refused with
 * `invalid_request`, since it leaks into logs and history. Bodies are never read for credentials: the form-body
 * method (§2.2) is not supported, and authentication happens before a body is parsed, so a token sent only there
 * is "no credentials" (§3.1: an unsupported method gets a challenge without an error code).
 */
export interface BearerRequest {
  /** The raw `Authorization` header value, if any. */
  readonly authorization?: string | null | undefined
  /** The request URL (absolute, or a path with its query); only the query string is read. */
  readonly url?: string | undefined
}

/** Larger than any real access token; bounded so that the parser and verifier do bounded work. */
export const MAX_AUTHORIZATION_LENGTH = 12 * 1024

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const SCHEME = /^bearer$/i

/** Whether the query string carries `access_token` (RFC 6750 §2.3), without parsing URLs that have no query. */
export function hasQueryToken(url: string | undefined): boolean {
  if (url === undefined) return false
  const start = url.indexOf('?')
  if (start === -1 || !url.includes('access_token', start)) return false
  return new URLSearchParams(url.slice(start + 1).split('#', 1)[0]).has('access_token')
}

// RFC 9110 §5.6.3: optional whitespace is spaces and tabs only (String#trim would also eat \v, \f, NBSP).
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '')

/** Splits `Bearer <token>`; returns undefined when another scheme is used. */
function parseAuthorization(header: string): string | undefined {
  const value = trimOws(header)
  const space = value.indexOf(' ')
  const scheme = space === -1 ? value : value.slice(0, space)
  // RFC 9110 §11.1: the scheme is case-insensitive. Another scheme is "no bearer credentials".
  if (!SCHEME.test(scheme)) return undefined
  // `fetch` clients trim "Bearer " to "Bearer": an empty token either way. RFC 6750 §2.1: 1*SP.
  const token = space === -1 ? '' : value.slice(space + 1).replace(/^ +/, '')
  if (token === '') throw new InvalidRequestError('empty_token')
  if (!B64TOKEN.test(token)) throw new InvalidRequestError('malformed_header')
  return token
}

/**
 * Returns the bearer token of a request, or throws:
 * - `MissingCredentialsError` when there is no bearer credential at all (401, no error code);
 * - `InvalidRequestError` for a malformed credential or a token in the query string (400).
 */
export function extractBearerToken(request: BearerRequest): string {
  const header = request.authorization
  // Bounded before any other work on it.
  if (typeof header === 'string' && header.length > MAX_AUTHORIZATION_LENGTH) {
    throw new InvalidRequestError('header_too_large')
  }
  const inHeader = typeof header === 'string' && trimOws(header) !== ''
  if (hasQueryToken(request.url)) throw new InvalidRequestError(inHeader ? 'multiple_methods' : 'token_in_query')
  if (!inHeader) throw new MissingCredentialsError()
  const token = parseAuthorization(header)
  if (token === undefined) throw new MissingCredentialsError()
  return token
}
