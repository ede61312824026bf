import type { AnyAuthError, AuthError } from '../errors.ts'

/** An error rendered as an HTTP answer: status, headers and the JSON body `{ error, error_description }`. */
export interface AuthErrorResponse {
  readonly status: 400 | 401 | 403 | 503
  readonly headers: Readonly<Record<string, string>>
  readonly body: { readonly error: string; readonly error_description: string }
}

export interface ChallengeOptions {
  /**
   * The protection space (RFC 9110 §11.5).
   * @default "api"
   */
  readonly realm?: string
}

// RFC 6750 §3: error_description and scope values exclude '"' and '\'; drop anything outside the
// allowed ranges instead of escaping, so every value is safe whatever produced it.
const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g
const NOT_SCOPE_CHAR = /[^\x21\x23-\x5b\x5d-\x7e]/g

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '')}"`
}

/** Builds an RFC 6750 §3 `WWW-Authenticate` value; the only place in the project that does. */
export function buildChallenge(
  realm: string,
  error?: { code: string; description: string; scope?: readonly string[] },
): string {
  const params = [`realm=${quote(realm)}`]
  if (error !== undefined) {
    params.push(`error="${error.code}"`)
    params.push(`error_description="${error.description.replace(NOT_DESCRIPTION_CHAR, '')}"`)
    if (error.scope !== undefined && error.scope.length > 0) {
      params.push(`scope="${error.scope.map((s) => s.replace(NOT_SCOPE_CHAR, '')).join(' ')}"`)
    }
  }
  return `Bearer ${params.join(', ')}`
}

// Answers about credentials are per-client: never stored by a shared cache (RFC 6750 §5.2 mentions the risk).
const NO_STORE = 'no-store'

/**
 * Maps any auth error to its response: the single place where errors become HTTP. Total over `AuthError`: a
 * subclass this package does not know is answered by its status (unknown statuses as 401), never left undefined.
 */
export function toAuthErrorResponse(error: AuthError, options: ChallengeOptions = {}): AuthErrorResponse {
  const realm = options.realm ?? 'api'
  const description = error.message.replace(NOT_DESCRIPTION_CHAR, '')
  const known = error as AnyAuthError
  switch (known.code) {
    case 'missing_credentials':
      // RFC 6750 §3.1: no error code when the request carried no credentials.
      return {
        status: 401,
        headers: { 'www-authenticate': buildChallenge(realm), 'cache-control': NO_STORE },
        body: { error: 'unauthorized', error_description: description },
      }
    case 'invalid_request':
    case 'invalid_token':
      return challenged(known.status, realm, known.code, description)
    case 'insufficient_scope':
      return challenged(403, realm, known.code, description, known.required)
    case 'issuer_unavailable':
      // Not the client's fault: no challenge, and a hint for when to come back.
      return {
        status: 503,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(known.retryAfterSeconds))), 'cache-control': NO_STORE },
        body: { error: 'temporarily_unavailable', error_description: description },
      }
    default:
      return unknownAuthError(error, realm, description)
  }
}

function challenged(
  status: 400 | 401 | 403,
  realm: string,
  code: string,
  description: string,
  scope?: readonly string[],
): AuthErrorResponse {
  return {
    status,
    headers: {
      'www-authenticate': buildChallenge(realm, { code, description, ...(scope === undefined ? {} : { scope }) }),
      'cache-control': NO_STORE,
    },
    body: { error: code, error_description: description },
  }
}

function unknownAuthError(error: AuthError, realm: string, description: string): AuthErrorResponse {
  switch (error.status) {
    case 400:
      return challenged(400, realm, 'invalid_request', description)
    case 403:
      return challenged(403, realm, 'insufficient_scope', description)
    case 503:
      return {
        status: 503,
        headers: { 'retry-after': '1', 'cache-control': NO_STORE },
        body: { error: 'temporarily_unavailable', error_description: description },
      }
    default:
      return challenged(401, realm, 'invalid_token', description)
  }
}
