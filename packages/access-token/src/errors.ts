/**
 * Every failure the access-token layer can report, with a stable `code` to branch on.
 *
 * The codes follow RFC 6750 §3.1 and RFC 9449 §7.1 where the RFCs have one; `missing_credentials` (no error code
 * in the challenge, RFC 6750 §3.1 last paragraph), `issuer_unavailable` and `replay_store_unavailable` (our
 * fault, not the client's) are ours. Messages are fixed, generic English sentences: they reach clients as
 * `error_description`, so they must never carry library text or token content.
 */
export type AuthErrorCode =
  | 'missing_credentials'
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_scope'
  | 'issuer_unavailable'
  | 'replay_store_unavailable'

/** Why a token was refused; logged and tested, never needed by clients to recover. */
export type InvalidTokenReason =
  | 'not_a_jwt'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'unknown_key'
  | 'type'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'issuer'
  | 'audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'dpop_bound'
  | 'dpop_binding'

export type InvalidRequestReason =
  | 'empty_token'
  | 'malformed_header'
  | 'header_too_large'
  | 'token_in_query'
  | 'multiple_methods'
  | 'missing_dpop_proof'
  | 'dpop_proof_with_bearer'

export type IssuerUnavailableReason =
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'invalid_response'
  | 'issuer_mismatch'
  | 'closed'

export abstract class AuthError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    // No stack trace: a refusal is an expected answer, never logged with one, and capturing it was about a third of
    // the cost of building the error (measured in docs/performance.md).
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message, options)
    Error.stackTraceLimit = limit
  }
  abstract readonly code: AuthErrorCode
  /** The HTTP status this error maps to (RFC 6750 §3.1; 503 for issuer outages). */
  abstract readonly status: 400 | 401 | 403 | 503
  override name = 'AuthError'
}

/**
 * The errors that carry nothing but their reason (no cause, claim or retry time), one per class and reason, frozen:
 * nothing of a request is in them, so every refusal of one kind can throw the same object. Building one cost about a
 * microsecond in a profile (three class constructors, the stack-limit dance, the native `Error`), of the 6–8 µs a 401
 * without a token cost in-process (docs/performance.md, run K).
 */
const sharedErrors = new Map<object, Map<string, AuthError>>()
function shared<E extends AuthError, R extends string>(make: new (reason: R) => E, reason: R): E {
  let byReason = sharedErrors.get(make)
  if (byReason === undefined) {
    byReason = new Map()
    sharedErrors.set(make, byReason)
  }
  const known = byReason.get(reason)
  if (known !== undefined) return known as E
  const error = new make(reason)
  Object.freeze(error)
  byReason.set(reason, error)
  return error
}

/** Why a request counts as having no credentials: none at all, or a scheme this API does not accept. */
export type MissingCredentialsReason = 'none' | 'unsupported_scheme' | 'dpop_required'

const missingCredentialsMessages: Record<MissingCredentialsReason, string> = {
  none: 'Authentication required',
  unsupported_scheme: 'Authentication required',
  dpop_required: 'Authentication with a DPoP-bound access token required',
}

/**
 * RFC 6750 §3.1: the request lacks any authentication information, or used an unsupported method (another scheme,
 * or Bearer where only DPoP is accepted); the challenge carries no error code.
 */
export class MissingCredentialsError extends AuthError {
  readonly code = 'missing_credentials' as const
  readonly status = 401 as const
  override name = 'MissingCredentialsError'
  constructor(readonly reason: MissingCredentialsReason = 'none') {
    super(missingCredentialsMessages[reason])
  }
  /** The error for `reason`, made once and frozen (see `sharedErrors`). */
  static of(reason: MissingCredentialsReason = 'none'): MissingCredentialsError {
    return shared(MissingCredentialsError, reason)
  }
}

const invalidRequestMessages: Record<InvalidRequestReason, string> = {
  empty_token: 'The bearer token is empty',
  malformed_header: 'The Authorization header is not a valid bearer credential',
  header_too_large: 'The Authorization header is too large',
  token_in_query: 'Access tokens are not accepted in the query string',
  multiple_methods: 'The request uses more than one method to send an access token',
  missing_dpop_proof: 'The DPoP authentication scheme requires a DPoP proof header',
  dpop_proof_with_bearer: 'A DPoP proof was sent with the Bearer authentication scheme',
}

/** RFC 6750 §3.1 `invalid_request`: malformed or unsupported way of presenting the token (400). */
export class InvalidRequestError extends AuthError {
  readonly code = 'invalid_request' as const
  readonly status = 400 as const
  override name = 'InvalidRequestError'
  constructor(readonly reason: InvalidRequestReason) {
    super(invalidRequestMessages[reason])
  }
  /** The error for `reason`, made once and frozen (see `sharedErrors`). */
  static of(reason: InvalidRequestReason): InvalidRequestError {
    return shared(InvalidRequestError, reason)
  }
}

const invalidTokenMessages: Record<InvalidTokenReason, string> = {
  // Auth0 answers a token request without `audience` with an opaque token (a JWE, or a random string).
  not_a_jwt: 'The access token is opaque: request it with an audience (the API identifier)',
  malformed: 'The access token is malformed',
  algorithm: 'The access token is signed with an algorithm that is not accepted',
  signature: 'The access token signature is invalid',
  unknown_key: 'The access token is signed with an unknown key',
  type: 'The access token has a type that is not accepted',
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not valid yet',
  issued_in_future: 'The access token is issued in the future',
  too_old: 'The access token is too old',
  issuer: 'The access token is from an untrusted issuer',
  audience: 'The access token is not meant for this API',
  missing_claim: 'The access token lacks a required claim',
  invalid_claim: 'The access token has a claim with an invalid value',
  dpop_bound: 'The access token is bound to a key and must be sent with the DPoP scheme',
  dpop_binding: 'Invalid DPoP key binding',
}

/** RFC 6750 §3.1 `invalid_token`: expired, revoked, malformed or otherwise invalid (401). */
export class InvalidTokenError extends AuthError {
  readonly code = 'invalid_token' as const
  readonly status = 401 as const
  override name = 'InvalidTokenError'
  constructor(
    readonly reason: InvalidTokenReason,
    options?: { cause?: unknown; claim?: string; expectedAudience?: string },
  ) {
    // The audience the API expects is public (the protected resource metadata names it too): saying it is the hint
    // a developer needs when a token was asked for another API.
    const expected = reason === 'audience' ? options?.expectedAudience : undefined
    super(
      expected === undefined
        ? invalidTokenMessages[reason]
        : `${invalidTokenMessages.audience}: ask for a token with the audience ${expected}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.claim = options?.claim
  }
  readonly claim: string | undefined
  /** The error for `reason` with no claim, audience or cause, made once and frozen (see `sharedErrors`). */
  static of(reason: InvalidTokenReason): InvalidTokenError {
    return shared(InvalidTokenError, reason)
  }
}

/**
 * RFC 6750 §3.1 `insufficient_scope` (403). `required` lists what the route needs; it is sent in the
 * challenge's `scope` attribute. An empty list means a custom claim check failed.
 */
export class InsufficientScopeError extends AuthError {
  readonly code = 'insufficient_scope' as const
  readonly status = 403 as const
  override name = 'InsufficientScopeError'
  constructor(
    readonly required: readonly string[],
    message = 'The access token does not grant the required scope',
  ) {
    super(message)
  }
}

const issuerUnavailableMessages: Record<IssuerUnavailableReason, string> = {
  timeout: 'The token issuer did not answer in time; try again later',
  network: 'The token issuer cannot be reached; try again later',
  http_status: 'The token issuer answered with an error; try again later',
  invalid_response: 'The token issuer sent an unusable key set; try again later',
  issuer_mismatch: 'The token issuer is misconfigured; try again later',
  closed: 'The server is shutting down; try again later',
}

/**
 * The key set (or discovery document) cannot be had: the fault is on our side or the issuer's, so the
 * answer is 503 with `Retry-After`, never a 401 that would blame a client holding a good token.
 */
export class IssuerUnavailableError extends AuthError {
  readonly code = 'issuer_unavailable' as const
  readonly status = 503 as const
  override name = 'IssuerUnavailableError'
  constructor(
    readonly reason: IssuerUnavailableReason,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(issuerUnavailableMessages[reason], options?.cause === undefined ? undefined : { cause: options.cause })
  }
}

/** Why a DPoP proof (RFC 9449 §4.3) was refused; logged and tested. */
export type InvalidDpopProofReason =
  | 'multiple'
  | 'malformed'
  | 'type'
  | 'algorithm'
  | 'key'
  | 'private_key'
  | 'signature'
  | 'missing_claim'
  | 'invalid_claim'
  | 'method'
  | 'url'
  | 'issued_at'
  | 'token_hash'
  | 'replayed'

const invalidDpopProofMessages: Record<InvalidDpopProofReason, string> = {
  multiple: 'The request carries more than one DPoP proof',
  malformed: 'The DPoP proof is malformed',
  type: 'The DPoP proof has a type that is not accepted',
  algorithm: 'The DPoP proof is signed with an algorithm that is not accepted',
  key: 'The DPoP proof key is not accepted',
  private_key: 'The DPoP proof key must be a public key',
  signature: 'The DPoP proof signature is invalid',
  missing_claim: 'The DPoP proof lacks a required claim',
  invalid_claim: 'The DPoP proof has a claim with an invalid value',
  method: 'The DPoP proof is for another HTTP method',
  url: 'The DPoP proof is for another URL',
  issued_at: 'The DPoP proof is too old or issued in the future',
  token_hash: 'The DPoP proof is for another access token',
  replayed: 'The DPoP proof has already been used',
}

/** RFC 9449 §7.1 `invalid_dpop_proof`: the DPoP proof itself fails a check of §4.3 (401, on the DPoP challenge). */
export class InvalidDpopProofError extends AuthError {
  readonly code = 'invalid_dpop_proof' as const
  readonly status = 401 as const
  override name = 'InvalidDpopProofError'
  constructor(
    readonly reason: InvalidDpopProofReason,
    options?: { cause?: unknown },
  ) {
    super(invalidDpopProofMessages[reason], options?.cause === undefined ? undefined : { cause: options.cause })
  }
}

/**
 * RFC 9449 §9 `use_dpop_nonce` (401): the proof lacks the server nonce, or carries one that is no longer (or never
 * was) valid. `nonce` is the one to use next; it is sent in the `DPoP-Nonce` header.
 */
export class UseDpopNonceError extends AuthError {
  readonly code = 'use_dpop_nonce' as const
  readonly status = 401 as const
  override name = 'UseDpopNonceError'
  constructor(
    readonly reason: 'missing' | 'invalid',
    readonly nonce: string,
  ) {
    super('The resource server requires a nonce in the DPoP proof')
  }
}

export type ReplayStoreUnavailableReason = 'unreachable' | 'timeout' | 'full' | 'closed'

const replayStoreMessages: Record<ReplayStoreUnavailableReason, string> = {
  unreachable: 'DPoP proofs cannot be checked right now; try again later',
  timeout: 'DPoP proofs cannot be checked right now; try again later',
  full: 'DPoP proofs cannot be checked right now; try again later',
  closed: 'The server is shutting down; try again later',
}

/**
 * The replay store cannot say whether a proof was seen before (Redis unreachable or too slow, the in-process store
 * full). Accepting the proof would drop replay protection without anyone noticing, so the answer is 503 with
 * `Retry-After` (fail closed), never a 401 that would blame a client holding a good proof.
 */
export class ReplayStoreUnavailableError extends AuthError {
  readonly code = 'replay_store_unavailable' as const
  readonly status = 503 as const
  override name = 'ReplayStoreUnavailableError'
  constructor(
    readonly reason: ReplayStoreUnavailableReason,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(replayStoreMessages[reason], options?.cause === undefined ? undefined : { cause: options.cause })
  }
}

export type AnyAuthError =
  | MissingCredentialsError
  | InvalidRequestError
  | InvalidTokenError
  | InvalidDpopProofError
  | UseDpopNonceError
  | InsufficientScopeError
  | IssuerUnavailableError
  | ReplayStoreUnavailableError

/**
 * How an authentication ended, as a stable label for metrics, logs and traces: `ok`, `missing` (no credentials),
 * the `InvalidTokenReason` of a refused token (`expired`, `signature`, `audience`, ...), or the code of any other
 * `AuthError` (`invalid_request`, `insufficient_scope`, `issuer_unavailable`, ...). `error` is anything that is not
 * an `AuthError`: a fault of ours. Bounded by construction: never taken from a message or the token.
 */
export type AuthOutcome =
  | 'ok'
  | 'missing'
  | InvalidTokenReason
  | Exclude<AuthErrorCode, 'missing_credentials' | 'invalid_token'>
  | 'error'

/** The outcome label of a failed authentication (see `AuthOutcome`). */
export function authOutcome(error: unknown): Exclude<AuthOutcome, 'ok'> {
  if (!(error instanceof AuthError)) return 'error'
  const known = error as AnyAuthError
  switch (known.code) {
    case 'missing_credentials':
      return 'missing'
    case 'invalid_token':
      return known.reason
    default:
      return known.code
  }
}

/** Every outcome label known today, for exporting each series at zero before it first happens. */
// Every code but the two that `authOutcome` refines: a record, so that a new code cannot be forgotten here.
const OTHER_OUTCOMES: Readonly<Record<Exclude<AuthErrorCode, 'missing_credentials' | 'invalid_token'>, true>> = {
  invalid_request: true,
  invalid_dpop_proof: true,
  use_dpop_nonce: true,
  insufficient_scope: true,
  issuer_unavailable: true,
  replay_store_unavailable: true,
}

export const AUTH_OUTCOMES: readonly AuthOutcome[] = Object.freeze([
  'ok',
  'missing',
  ...(Object.keys(invalidTokenMessages) as InvalidTokenReason[]),
  ...(Object.keys(OTHER_OUTCOMES) as (keyof typeof OTHER_OUTCOMES)[]),
  'error',
])
