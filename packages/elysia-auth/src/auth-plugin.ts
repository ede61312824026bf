import {
  type AccessRequirement,
  type AccessTokenPrincipal,
  AuthError,
  type Authenticator,
  toAuthErrorResponse,
  validateAccessRequirement,
} from '@repo/access-token'
import { Elysia } from 'elysia'

export interface AuthPluginOptions {
  /** Extracts, verifies and checks access; one per process, shared by every route. */
  readonly authenticator: Authenticator
  /**
   * The `realm` of every challenge.
   * @default "api"
   */
  readonly realm?: string
  /**
   * Name of the OpenAPI security scheme the protected routes require.
   * @default "bearerAuth"
   */
  readonly securityScheme?: string
  /**
   * Name of an OAuth 2.0 security scheme the protected routes also accept, each listing the scopes and permissions
   * it requires: what an API console (Swagger UI's "Authorize") asks the issuer for. Unset: `securityScheme` only.
   */
  readonly oauth2SecurityScheme?: string
}

/** The `auth` route option: `true` for any valid token, or what the token must grant. */
export type AuthOption = true | AccessRequirement

/** Renders an auth error as the response; the only mapping from errors to HTTP in the app. */
export function authErrorResponse(error: AuthError, realm = 'api'): Response {
  const { status, headers, body } = toAuthErrorResponse(error, { realm })
  return Response.json(body, { status, headers })
}

// Stands in for the body of a request whose authentication failed, so that Elysia does not parse it: the failure
// is then thrown, unwrapped, by the `transform` hook, before any validation.
const UNREAD_BODY = Object.freeze({})

// Elysia deduplicates plugins by name and seed, and a function in the seed serialises to nothing: number them.
const authenticators = new WeakMap<Authenticator, number>()
let lastAuthenticatorId = 0
function authenticatorId(authenticator: Authenticator): number {
  let id = authenticators.get(authenticator)
  if (id === undefined) {
    id = ++lastAuthenticatorId
    authenticators.set(authenticator, id)
  }
  return id
}

/**
 * The auth plugin: a named Elysia instance with an `auth` macro. A route declares `{ auth: true }` or
 * `{ auth: { scopes: ['read:messages'] } }` and its handler gets the typed `auth` principal.
 *
 * The credential is checked before the body is parsed and before any validation: a request that may carry a body
 * is authenticated in `parse` (the earliest per-route hook), any other in `transform`. An anonymous client never
 * makes the server parse its body, and gets a 401 rather than a 400 or 422. `resolve` then hands the principal of
 * that one authentication to the handler.
 */
export function createAuthPlugin(options: AuthPluginOptions) {
  const { authenticator } = options
  const realm = options.realm ?? 'api'
  const bearer = { [options.securityScheme ?? 'bearerAuth']: [] }
  const oauth2 = options.oauth2SecurityScheme
  /** The route's OpenAPI security requirement: any bearer token, or an OAuth 2.0 token with what it needs. */
  const securityFor = (requirement: AccessRequirement | undefined) => {
    if (oauth2 === undefined) return [bearer]
    // Auth0 grants RBAC permissions through the scope parameter of the token request: ask for both.
    const scopes = [...new Set([...(requirement?.scopes ?? []), ...(requirement?.permissions ?? [])])]
    return [bearer, { [oauth2]: scopes }]
  }

  // Deduplicated per authenticator: using the plugin twice with one authenticator registers it once.
  return new Elysia({
    name: '@repo/elysia-auth',
    seed: { realm, oauth2, authenticator: authenticatorId(authenticator) },
  })
    .onError({ as: 'global' }, function respondToAuthError({ error }) {
      if (error instanceof AuthError) return authErrorResponse(error, realm)
    })
    .macro('auth', (option: AuthOption) => {
      const requirement = option === true ? undefined : validateAccessRequirement(option)
      const outcomes = new WeakMap<Request, Promise<AccessTokenPrincipal>>()
      /** One authentication per request, started by whichever hook runs first. */
      const authenticated = (request: Request) => {
        let outcome = outcomes.get(request)
        if (outcome === undefined) {
          outcome = authenticator.authenticate(request, requirement)
          outcome.catch(() => {})
          outcomes.set(request, outcome)
        }
        return outcome
      }
      return {
        detail: { security: securityFor(requirement) },
        async parse({ request }) {
          return authenticated(request).then(
            () => undefined, // authenticated: Elysia parses the body as usual
            () => UNREAD_BODY,
          )
        },
        async transform({ request }) {
          await authenticated(request)
        },
        async resolve({ request, set }): Promise<{ auth: AccessTokenPrincipal }> {
          const auth = await authenticated(request)
          // Answers derived from a token are per-client: keep them out of shared caches.
          set.headers['cache-control'] = 'no-store'
          return { auth }
        },
      }
    })
}
