import {
  type AccessRequirement,
  AuthError,
  type AuthenticatedPrincipal,
  type Authenticator,
  type AuthRequest,
  type AuthScheme,
  validateAccessRequirement,
} from '@repo/access-token'
import { Elysia } from 'elysia'

export interface AuthPluginOptions {
  /** Extracts, verifies and checks access; one per process, shared by every route. */
  readonly authenticator: Authenticator
  /**
   * Names of the OpenAPI security schemes of each accepted scheme; protected routes list those the authenticator
   * accepts, as alternatives.
   * @default { bearer: "bearerAuth", dpop: "dpopAuth" }
   */
  readonly securitySchemes?: Partial<Record<AuthScheme, string>>
  /**
   * Name of an OAuth 2.0 security scheme the protected routes also accept, each listing the scopes and permissions
   * it requires: what an API console (Swagger UI's "Authorize") asks the issuer for. Unset: the schemes above only.
   */
  readonly oauth2SecurityScheme?: string
}

/** The `auth` route option: `true` for any valid token, or what the token must grant. */
export type AuthOption = true | AccessRequirement

/** Renders an auth error as the response; the only mapping from errors to HTTP in the app. */
export function authErrorResponse(authenticator: Authenticator, error: AuthError, request: AuthRequest): Response {
  const { status, headers, body } = authenticator.respond(error, request)
  return Response.json(body, { status, headers })
}

// The scopes the routes of each plugin instance require, gathered as routes are declared (RFC 9728
// `scopes_supported`).
const declared = new WeakMap<object, Set<string>>()

/** Every scope a route declared with this plugin requires, sorted; complete once the routes are declared. */
export function declaredScopes(plugin: object): readonly string[] {
  return [...(declared.get(plugin) ?? [])].sort()
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
  const names = { bearer: 'bearerAuth', dpop: 'dpopAuth', ...options.securitySchemes }
  const oauth2 = options.oauth2SecurityScheme
  // OpenAPI: a list of requirement objects means "any one of them".
  const schemes = authenticator.schemes.map((scheme) => ({ [names[scheme]]: [] }))
  /** The route's OpenAPI security: any accepted scheme, or an OAuth 2.0 token with what the route needs. */
  const securityFor = (requirement: AccessRequirement | undefined) => {
    if (oauth2 === undefined) return schemes
    // Auth0 grants RBAC permissions through the scope parameter of the token request: ask for both.
    const wanted = [...new Set([...(requirement?.scopes ?? []), ...(requirement?.permissions ?? [])])]
    return [...schemes, { [oauth2]: wanted }]
  }
  const scopes = new Set<string>()

  // Deduplicated per authenticator: using the plugin twice with one authenticator registers it once.
  const plugin = new Elysia({
    name: '@repo/elysia-auth',
    seed: { oauth2, authenticator: authenticatorId(authenticator) },
  })
    .onError({ as: 'global' }, function respondToAuthError({ error, request }) {
      if (error instanceof AuthError) return authErrorResponse(authenticator, error, request)
    })
    .macro('auth', (option: AuthOption) => {
      const requirement = option === true ? undefined : validateAccessRequirement(option)
      for (const scope of requirement?.scopes ?? []) scopes.add(scope)
      const outcomes = new WeakMap<Request, Promise<AuthenticatedPrincipal>>()
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
        async resolve({ request, set }): Promise<{ auth: AuthenticatedPrincipal }> {
          const auth = await authenticated(request)
          // Answers derived from a token are per-client: keep them out of shared caches.
          set.headers['cache-control'] = 'no-store'
          // RFC 9449 §8.2: the next nonce, in the answer, before the client's one stops working.
          if (auth.dpop?.nonce !== undefined) set.headers['dpop-nonce'] = auth.dpop.nonce
          return { auth }
        },
      }
    })
  declared.set(plugin, scopes)
  return plugin
}
