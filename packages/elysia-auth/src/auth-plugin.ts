import {
  type AccessRequirement,
  type AccessTokenPrincipal,
  AuthError,
  type Authenticator,
  toAuthErrorResponse,
  validateAccessRequirement,
} from '@repo/access-token'
import { Elysia, status } from 'elysia'

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
}

/** The `auth` route option: `true` for any valid token, or what the token must grant. */
export type AuthOption = true | AccessRequirement

/** Renders an auth error as the response; the only mapping from errors to HTTP in the app. */
export function authErrorResponse(error: AuthError, realm = 'api'): Response {
  const { status, headers, body } = toAuthErrorResponse(error, { realm })
  return Response.json(body, { status, headers })
}

// Stands in for the body of a request whose authentication failed, so that Elysia does not parse it: the failure
// is then answered by the `transform` hook, before any validation.
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

/** What the hooks read of Elysia's context. */
interface HookContext {
  readonly request: Request
  readonly set: { headers: Record<string, string | number> }
}

/**
 * The auth plugin: a named Elysia instance with an `auth` macro. A route declares `{ auth: true }` or
 * `{ auth: { scopes: ['read:messages'] } }` and its handler gets the typed `auth` principal.
 *
 * The credential is checked before the body is parsed and before any validation: a request that carries a body is
 * authenticated in `parse` (the earliest per-route hook), any other in `transform`. An anonymous client never
 * makes the server parse its body, and gets a 401 rather than a 400 or 422.
 *
 * Measured costs shaped the hooks (docs/performance.md): a refusal is returned from `transform` as `status(…)`, not
 * thrown (Elysia's throw → onError path cost about 2.5 µs more per refused request); the principal goes into the
 * context from `transform` itself, so `resolve` is a synchronous hand-over; `no-store` is put on the handler's
 * `Response` after it (setting `set.headers` before makes Elysia build the answer a second time, about 1.5 µs).
 */
export function createAuthPlugin(options: AuthPluginOptions) {
  const { authenticator } = options
  const realm = options.realm ?? 'api'
  const security = [{ [options.securityScheme ?? 'bearerAuth']: [] }]

  /** An auth error as the route's answer: headers on `set`, then the status and JSON body. */
  function refuse(error: AuthError, set: HookContext['set']) {
    const rendered = toAuthErrorResponse(error, { realm })
    Object.assign(set.headers, rendered.headers)
    return status(rendered.status, rendered.body)
  }

  // Deduplicated per authenticator: using the plugin twice with one authenticator registers it once.
  return new Elysia({ name: '@repo/elysia-auth', seed: { realm, authenticator: authenticatorId(authenticator) } })
    .onError({ as: 'global' }, function respondToAuthError({ error }) {
      if (error instanceof AuthError) return authErrorResponse(error, realm)
    })
    .macro('auth', (option: AuthOption) => {
      const requirement = option === true ? undefined : validateAccessRequirement(option)
      // A request with a body is authenticated in `parse`; `transform` picks up that outcome.
      const started = new WeakMap<Request, Promise<AccessTokenPrincipal>>()
      /** The refusal as the answer, or the principal merged into the context; before any validation. */
      async function authenticateBeforeValidation({ request, set }: HookContext) {
        let auth: AccessTokenPrincipal
        try {
          auth = await (started.get(request) ?? authenticator.authenticate(request, requirement))
        } catch (error) {
          if (error instanceof AuthError) return refuse(error, set)
          throw error
        }
        return { auth }
      }
      return {
        detail: { security },
        parse({ request }) {
          const outcome = authenticator.authenticate(request, requirement)
          started.set(request, outcome)
          return outcome.then(
            () => undefined, // authenticated: Elysia parses the body as usual
            () => UNREAD_BODY,
          )
        },
        // Elysia types a transform as returning nothing; at run time it answers a returned `status(…)` and merges a
        // returned object into the context (elysia `compose`, the transform step). The plugin tests pin both.
        transform: authenticateBeforeValidation as unknown as (context: HookContext) => Promise<void>,
        resolve: (context): { auth: AccessTokenPrincipal } => ({
          auth: (context as unknown as { auth: AccessTokenPrincipal }).auth,
        }),
        afterHandle({ response, set }) {
          // Answers derived from a token are per-client: keep them out of shared caches. A handler's own Response
          // gets the header in place (Bun's Response headers are always mutable); any other answer through `set`.
          if (response instanceof Response) response.headers.set('cache-control', 'no-store')
          else set.headers['cache-control'] = 'no-store'
        },
      }
    })
}
