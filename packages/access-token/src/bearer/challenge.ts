import type { AnyAuthError, AuthError } from '../errors.ts'
import type { AuthScheme } from './extract-token.ts'

/** An error rendered as an HTTP answer: status, headers and the JSON body `{ error, error_description }`. */
export interface AuthErrorResponse {
  readonly status: 400 | 401 | 403 | 503
  readonly headers: Readonly<Record<string, string>>
  readonly body: { readonly error: string; readonly error_description: string }
}

export interface ChallengeOptions {
  /**
   * The protection space (RFC 9110 §11.5) of the Bearer challenge.
   * @default "api"
   */
  readonly realm?: string
  /**
   * The schemes this API accepts, one challenge each, in this order (RFC 9449 §7.2, RFC 9110 §11.6.1).
   * @default ["bearer"]
   */
  readonly schemes?: readonly AuthScheme[]
  /** The `algs` of the DPoP challenge (RFC 9449 §7.1). */
  readonly dpopAlgorithms?: readonly string[]
  /**
   * The scheme the request used, whose challenge carries the error (RFC 9449 §7.2); when unknown or ambiguous,
   * every challenge carries it.
   */
  readonly usedScheme?: AuthScheme | undefined
  /** The absolute URL of the protected resource metadata (RFC 9728 §5.1), added to every challenge. */
  readonly resourceMetadata?: string | undefined
}

/** The error part of a challenge (RFC 6750 §3). */
export interface ChallengeError {
  readonly code: string
  readonly description: string
  readonly scope?: readonly string[]
}

// RFC 6750 §3: error_description and scope values exclude '"' and '\'; drop anything outside the
// allowed ranges instead of escaping, so every value is safe whatever produced it.
const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g
const NOT_SCOPE_CHAR = /[^\x21\x23-\x5b\x5d-\x7e]/g
// RFC 7515 §4.1.1 `alg` values are case-sensitive strings; inside `algs` they are space-separated tokens.
const NOT_ALG_CHAR = /[^\x21\x23-\x5b\x5d-\x7e]/g

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '')}"`
}

function errorParams(error: ChallengeError): string[] {
  const params = [`error="${error.code}"`, `error_description="${error.description.replace(NOT_DESCRIPTION_CHAR, '')}"`]
  if (error.scope !== undefined && error.scope.length > 0) {
    params.push(`scope="${error.scope.map((s) => s.replace(NOT_SCOPE_CHAR, '')).join(' ')}"`)
  }
  return params
}

/**
 * Builds one challenge: `Bearer realm="api"[, error…][, resource_metadata="…"]` (RFC 6750 §3, RFC 9728 §5.1) or
 * `DPoP [error…, ]algs="…"[, resource_metadata="…"]` (RFC 9449 §7.1). The only place in the project that spells
 * a challenge.
 */
export function buildChallenge(
  scheme: AuthScheme,
  options: { realm?: string; algorithms?: readonly string[] | undefined; resourceMetadata?: string | undefined },
  error?: ChallengeError,
): string {
  const params: string[] = []
  if (scheme === 'bearer') params.push(`realm=${quote(options.realm ?? 'api')}`)
  if (error !== undefined) params.push(...errorParams(error))
  if (scheme === 'dpop' && options.algorithms !== undefined && options.algorithms.length > 0) {
    params.push(`algs="${options.algorithms.map((alg) => alg.replace(NOT_ALG_CHAR, '')).join(' ')}"`)
  }
  if (options.resourceMetadata !== undefined) params.push(`resource_metadata=${quote(options.resourceMetadata)}`)
  return `${scheme === 'bearer' ? 'Bearer' : 'DPoP'} ${params.join(', ')}`
}

// Answers about credentials are per-client: never stored by a shared cache (RFC 6750 §5.2 mentions the risk).
const NO_STORE = 'no-store'

/**
 * The `WWW-Authenticate` value: every offered scheme's challenge, comma-separated in one field value (RFC 9110
 * §11.6.1, as in RFC 9449 figures 17 and 18). One field rather than one per challenge because the Fetch API, Bun
 * and most HTTP stacks join repeated fields into exactly this value anyway; writing it so keeps what every client
 * sees the same. The error goes on `target` challenges only; the others stay bare, naming what else is accepted.
 */
function challenges(options: ChallengeOptions, error: ChallengeError | undefined, target: readonly AuthScheme[]) {
  const schemes = options.schemes ?? ['bearer']
  // Refusals are few kinds with fixed sentences: the value is kept, so a flood of them costs a lookup rather than
  // the sanitising regular expressions (about a microsecond each). Bounded: the metadata URL carries the Host.
  const key = [
    options.realm ?? 'api',
    schemes.join(),
    options.dpopAlgorithms === undefined ? '' : algorithmsKey(options.dpopAlgorithms),
    options.resourceMetadata ?? '',
    target.join(),
    error === undefined ? '' : `${error.code}\n${error.description}\n${error.scope?.join(' ') ?? ''}`,
  ].join('\n')
  const kept = rendered.get(key)
  if (kept !== undefined) return kept
  const params = {
    realm: options.realm ?? 'api',
    algorithms: options.dpopAlgorithms,
    resourceMetadata: options.resourceMetadata,
  }
  const value = schemes
    .map((scheme) => buildChallenge(scheme, params, target.includes(scheme) ? error : undefined))
    .join(', ')
  if (rendered.size >= MAX_RENDERED) rendered.clear()
  rendered.set(key, value)
  return value
}

const MAX_RENDERED = 256
const rendered = new Map<string, string>()
// The algorithm list is one array per authenticator: joined once.
const algorithmKeys = new WeakMap<readonly string[], string>()
function algorithmsKey(algorithms: readonly string[]): string {
  let key = algorithmKeys.get(algorithms)
  if (key === undefined) {
    key = algorithms.join(' ')
    algorithmKeys.set(algorithms, key)
  }
  return key
}

/** The challenges an error goes on: its own scheme's, or, when that is unknown or not offered, all of them. */
function targets(options: ChallengeOptions, only?: AuthScheme): readonly AuthScheme[] {
  const schemes = options.schemes ?? ['bearer']
  const used = only ?? options.usedScheme
  return used !== undefined && schemes.includes(used) ? [used] : schemes
}

/**
 * Maps any auth error to its response: the single place where errors become HTTP. Total over `AuthError`: a
 * subclass this package does not know is answered by its status (unknown statuses as 401), never left undefined.
 */
export function toAuthErrorResponse(error: AuthError, options: ChallengeOptions = {}): AuthErrorResponse {
  const description = error.message.replace(NOT_DESCRIPTION_CHAR, '')
  const known = error as AnyAuthError
  switch (known.code) {
    case 'missing_credentials':
      // RFC 6750 §3.1: no error code when the request carried no credentials (or ones of an unsupported scheme).
      return answer(401, challenges(options, undefined, []), { error: 'unauthorized', error_description: description })
    case 'invalid_request':
    case 'invalid_token':
      return challenged(known.status, options, { code: known.code, description }, targets(options))
    case 'invalid_dpop_proof':
      return challenged(401, options, { code: known.code, description }, targets(options, 'dpop'))
    case 'use_dpop_nonce': {
      // RFC 9449 §9: 401 on the DPoP challenge, with the nonce to use in `DPoP-Nonce`.
      const response = challenged(401, options, { code: known.code, description }, targets(options, 'dpop'))
      return { ...response, headers: { ...response.headers, 'dpop-nonce': known.nonce } }
    }
    case 'insufficient_scope': {
      // The client is authenticated: only its scheme's challenge, with `scope` to step up to (RFC 6750 §3.1).
      const scheme = targets(options)[0] ?? 'bearer'
      const scoped = { code: known.code, description, scope: known.required }
      return answer(403, challenges({ ...options, schemes: [scheme] }, scoped, [scheme]), {
        error: known.code,
        error_description: description,
      })
    }
    case 'issuer_unavailable':
    case 'replay_store_unavailable':
      return unavailable(known.retryAfterSeconds, description)
    default:
      return unknownAuthError(error, options, description)
  }
}

function answer(
  status: AuthErrorResponse['status'],
  challenge: string,
  body: AuthErrorResponse['body'],
): AuthErrorResponse {
  return { status, headers: { 'www-authenticate': challenge, 'cache-control': NO_STORE }, body }
}

function challenged(
  status: 400 | 401,
  options: ChallengeOptions,
  error: ChallengeError,
  target: readonly AuthScheme[],
): AuthErrorResponse {
  return answer(status, challenges(options, error, target), { error: error.code, error_description: error.description })
}

/** Not the client's fault: no challenge, and a hint for when to come back. */
function unavailable(retryAfterSeconds: number, description: string): AuthErrorResponse {
  return {
    status: 503,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))), 'cache-control': NO_STORE },
    body: { error: 'temporarily_unavailable', error_description: description },
  }
}

function unknownAuthError(error: AuthError, options: ChallengeOptions, description: string): AuthErrorResponse {
  switch (error.status) {
    case 400:
      return challenged(400, options, { code: 'invalid_request', description }, targets(options))
    case 403: {
      const scheme = targets(options)[0] ?? 'bearer'
      const challenge = challenges({ ...options, schemes: [scheme] }, { code: 'insufficient_scope', description }, [
        scheme,
      ])
      return answer(403, challenge, { error: 'insufficient_scope', error_description: description })
    }
    case 503:
      return unavailable(1, description)
    default:
      return challenged(401, options, { code: 'invalid_token', description }, targets(options))
  }
}
