import { InvalidRequestError, MissingCredentialsError } from '../errors.ts'

/**
 * RFC 6750 §2: where a bearer token may come from. Typed against plain shapes so that any framework
 * can call it. Only the header method (§2.1) is accepted; a token sent in the query string (§2.3,
 * leaks into logs and history) or in a form body (§2.2) is refused with `invalid_request`.
 */
export interface BearerRequest {
  /** The raw `Authorization` header value, if any. */
  readonly authorization?: string | null | undefined
  /** Parsed query parameters. */
  readonly query?: Readonly<Record<string, unknown>> | null | undefined
  /** The request's `Content-Type`; a body is only inspected when it is form-encoded (§2.2). */
  readonly contentType?: string | null | undefined
  /** The parsed request body. */
  readonly body?: unknown
}

/** Larger than any real access token; bounded so that the parser and verifier do bounded work. */
export const MAX_AUTHORIZATION_LENGTH = 12 * 1024

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const SCHEME = /^bearer$/i

function hasAccessTokenField(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'access_token')
}

function isFormEncoded(contentType: string | null | undefined): boolean {
  return typeof contentType === 'string' && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')
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
 * - `InvalidRequestError` for a malformed credential or a token sent another way (400).
 */
export function extractBearerToken(request: BearerRequest): string {
  const header = request.authorization
  const inQuery = hasAccessTokenField(request.query)
  const inBody = isFormEncoded(request.contentType) && hasAccessTokenField(request.body)
  // Bounded before any other work on it.
  if (typeof header === 'string' && header.length > MAX_AUTHORIZATION_LENGTH) {
    throw new InvalidRequestError('header_too_large')
  }
  const inHeader = typeof header === 'string' && trimOws(header) !== ''

  if (Number(inHeader) + Number(inQuery) + Number(inBody) > 1) throw new InvalidRequestError('multiple_methods')
  if (inQuery) throw new InvalidRequestError('token_in_query')
  if (inBody) throw new InvalidRequestError('token_in_body')
  if (!inHeader) throw new MissingCredentialsError()

  const token = parseAuthorization(header)
  if (token === undefined) throw new MissingCredentialsError()
  return token
}
