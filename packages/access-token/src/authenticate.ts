import { type AuthErrorResponse, toAuthErrorResponse } from './bearer/challenge.ts'
import {
  type AuthScheme,
  authorizationScheme,
  type Credentials,
  checkTokenSyntax,
  extractUncheckedCredentials,
  hasQueryToken,
} from './bearer/extract-token.ts'
import { createDpopCheck, type DpopConfirmation, type DpopOptions } from './dpop/dpop-check.ts'
import { createMemoryReplayStore } from './dpop/replay-store.ts'
import type { AuthError } from './errors.ts'
import type { AuthRequest } from './http/auth-request.ts'
import { createPublicOrigin, type PublicOrigin } from './http/public-origin.ts'
import { type AccessRequirement, assertAccess } from './jwt/scopes.ts'
import type { AccessTokenPrincipal, AccessTokenVerifier } from './jwt/verify-access-token.ts'
import { type Clock, systemClock } from './time/clock.ts'

export type { AuthRequest } from './http/auth-request.ts'

export interface AuthenticatorOptions {
  /** One per process, shared by every route. */
  readonly verifier: AccessTokenVerifier
  /**
   * The `realm` of the Bearer challenge.
   * @default "api"
   */
  readonly realm?: string
  /**
   * DPoP (RFC 9449). Without it: `allowed` mode, every asymmetric algorithm, Auth0's time window, an in-process
   * replay store and no nonces.
   */
  readonly dpop?: Partial<DpopOptions>
  /**
   * The origin clients use, for proofs' `htu` and the `resource_metadata` URL.
   * @default the request URL's own origin
   */
  readonly publicOrigin?: PublicOrigin
  /**
   * Path of the protected resource metadata (RFC 9728 §3.1) under the public origin; every challenge then names
   * it in `resource_metadata` (RFC 9728 §5.1). Without it, challenges have no `resource_metadata`.
   */
  readonly resourceMetadataPath?: string
  readonly clock?: Clock
}

/** A verified token and, for a DPoP request, the key it proved (and a fresh nonce to hand back, if any). */
export interface AuthenticatedPrincipal extends AccessTokenPrincipal {
  readonly dpop?: DpopConfirmation
}

export interface Authenticator {
  /** The schemes accepted (`bearer`, `dpop`), in the order the challenges list them. */
  readonly schemes: readonly AuthScheme[]
  /**
   * Extracts the credential (RFC 6750 §2, RFC 9449 §7.1), verifies the token, checks its DPoP proof and binding on
   * every request, then the route's requirement. Resolves to the principal, or throws an `AuthError`
   * (400/401/403/503); any other error is a fault of ours.
   */
  authenticate(request: AuthRequest, requirement?: AccessRequirement): Promise<AuthenticatedPrincipal>
  /** The answer to an `AuthError` of `authenticate` for this request: its status, challenges and body. */
  respond(error: AuthError, request: AuthRequest): AuthErrorResponse
}

/** The scheme a request used, for the challenge that carries the error: a query token is a Bearer method. */
function usedScheme(request: AuthRequest): AuthScheme | undefined {
  return (
    authorizationScheme(request.headers.get('authorization')) ?? (hasQueryToken(request.url) ? 'bearer' : undefined)
  )
}

/** Answers remembered per authenticator; bounded, since the `resource_metadata` URL carries the request's Host. */
const MAX_KEPT_ANSWERS = 256
// The refusals whose answer depends on nothing but their code, status and sentence (and the request's scheme and
// origin): no nonce, no scope, no retry time.
const CONSTANT_ANSWERS: ReadonlySet<string> = new Set([
  'missing_credentials',
  'invalid_request',
  'invalid_token',
  'invalid_dpop_proof',
])

/** Freezes an answer shared by many requests: nobody may change what the next one is sent. */
function frozen(answer: AuthErrorResponse): AuthErrorResponse {
  Object.freeze(answer.headers)
  Object.freeze(answer.body)
  return Object.freeze(answer)
}

/** The framework-free entry point: a framework adapter calls `authenticate` and renders errors with `respond`. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { verifier, resourceMetadataPath } = options
  const realm = options.realm ?? 'api'
  const clock = options.clock ?? systemClock
  const publicOrigin = options.publicOrigin ?? createPublicOrigin()
  const dpop = createDpopCheck({
    ...options.dpop,
    replayStore: options.dpop?.replayStore ?? createMemoryReplayStore({ clock }),
    publicOrigin,
    clock,
  })
  const readsProofs = dpop.mode !== 'disabled'
  const kept = new Map<string, AuthErrorResponse>()

  /** The DPoP confirmation and the route's requirement, on a verified token (cached or not). */
  function admit(
    request: AuthRequest,
    credentials: Credentials,
    principal: AccessTokenPrincipal,
    requirement: AccessRequirement | undefined,
  ): AuthenticatedPrincipal | Promise<AuthenticatedPrincipal> {
    // After `verify`, never inside it: a verified token may come from a cache, its proof never does.
    const confirmation = dpop.confirm(request, credentials, principal.claims)
    if (confirmation === undefined) {
      if (requirement !== undefined) assertAccess(principal, requirement)
      return principal
    }
    return confirmation.then((dpopConfirmation) => {
      if (requirement !== undefined) assertAccess(principal, requirement)
      return { ...principal, dpop: dpopConfirmation }
    })
  }

  return {
    schemes: dpop.schemes,
    // Not `async`: a refusal before `verify` is a rejected promise at once, a token served from the cache is one
    // settled promise, and any other Bearer token costs one promise reaction after `verify` (each `await` of an async
    // function was one more, on every request).
    authenticate(request, requirement) {
      let credentials: Credentials
      let cached: AccessTokenPrincipal | undefined
      try {
        credentials = extractUncheckedCredentials({
          authorization: request.headers.get('authorization'),
          url: request.url,
          dpop: readsProofs ? request.headers.get('dpop') : undefined,
        })
        // A token the cache holds is the very text of one that passed this check when it was verified.
        cached = verifier.cached?.(credentials.token)
        if (cached === undefined) checkTokenSyntax(credentials.token)
        dpop.precheck(credentials)
        if (cached !== undefined) return Promise.resolve(admit(request, credentials, cached, requirement))
      } catch (error) {
        return Promise.reject(error)
      }
      return verifier.verify(credentials.token).then((principal) => admit(request, credentials, principal, requirement))
    },
    respond(error, request) {
      const scheme = usedScheme(request)
      // A proof with a Bearer token is ambiguous: the error goes on both challenges (RFC 9449 §7.2, figure 19).
      const ambiguous = scheme === 'bearer' && readsProofs && request.headers.get('dpop') !== null
      const target = ambiguous ? undefined : scheme
      const resourceMetadata =
        resourceMetadataPath === undefined ? undefined : `${publicOrigin(request)}${resourceMetadataPath}`
      const render = () =>
        toAuthErrorResponse(error, {
          realm,
          schemes: dpop.schemes,
          dpopAlgorithms: dpop.algorithms,
          usedScheme: target,
          resourceMetadata,
        })
      // A flood of refusals is a few kinds of answer: each is rendered once and then looked up.
      if (!CONSTANT_ANSWERS.has(error.code)) return render()
      const key = `${target ?? ''}\n${resourceMetadata ?? ''}\n${error.code}\n${error.status}\n${error.message}`
      let answer = kept.get(key)
      if (answer === undefined) {
        answer = frozen(render())
        if (kept.size >= MAX_KEPT_ANSWERS) kept.clear()
        kept.set(key, answer)
      }
      return answer
    },
  }
}
