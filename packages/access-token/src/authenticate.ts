import { extractBearerToken } from './bearer/extract-token.ts'
import { type AccessRequirement, assertAccess } from './jwt/scopes.ts'
import type { AccessTokenPrincipal, AccessTokenVerifier } from './jwt/verify-access-token.ts'

/** The parts of an HTTP request authentication reads: a Fetch API `Request` is one. */
export interface AuthRequest {
  readonly method: string
  readonly url: string
  readonly headers: { get(name: string): string | null }
}

export interface AuthenticatorOptions {
  /** One per process, shared by every route. */
  readonly verifier: AccessTokenVerifier
}

export interface Authenticator {
  /**
   * Extracts the credential (RFC 6750 §2), verifies the token and checks the route's requirement. Resolves to the
   * principal, or throws an `AuthError` (400/401/403/503); any other error is a fault of ours.
   */
  authenticate(request: AuthRequest, requirement?: AccessRequirement): Promise<AccessTokenPrincipal>
}

/** The framework-free entry point: a framework adapter calls `authenticate` and renders `AuthError`s. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { verifier } = options
  return {
    authenticate(request, requirement) {
      let token: string
      try {
        token = extractBearerToken({ authorization: request.headers.get('authorization'), url: request.url })
      } catch (error) {
        return Promise.reject(error)
      }
      const verified = verifier.verify(token)
      if (requirement === undefined) return verified
      return verified.then((principal) => {
        assertAccess(principal, requirement)
        return principal
      })
    },
  }
}
