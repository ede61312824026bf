import {
  type AccessRequirement,
  AuthError,
  type AuthErrorResponse,
  type AuthenticatedPrincipal,
  type Authenticator,
  type AuthRequest,
  type AuthScheme,
  validateAccessRequirement,
} from '@repo/access-token'
import { Elysia, status } from 'elysia'
import { JSON_CONTENT_TYPE, jsonTextOf } from './json-text.ts'

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

/**
 * Renders an auth error as the response, as `Response.json` would (its content type, `JSON.stringify`'s text); the
 * only mapping from errors to HTTP in the app.
 */
export function authErrorResponse(authenticator: Authenticator, error: AuthError, request: AuthRequest): Response {
  const rendered = authenticator.respond(error, request)
  return new Response(jsonTextOf(rendered.body), { status: rendered.status, headers: headersOf(rendered) })
}

// The scopes the routes of each plugin instance require, gathered as routes are declared (RFC 9728
// `scopes_supported`).
const declared = new WeakMap<object, Set<string>>()

/** Every scope a route declared with this plugin requires, sorted; complete once the routes are declared. */
export function declaredScopes(plugin: object): readonly string[] {
  return [...(declared.get(plugin) ?? [])].sort()
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

// A refusal's headers as a `Headers`, made once per kept answer (`respond` freezes those shared by many requests): a
// `Response` copies a `Headers` about 0.4 µs faster than it reads a plain object's fields (docs/performance.md).
const keptHeaders = new WeakMap<AuthErrorResponse, Headers>()
function headersOf(answer: AuthErrorResponse): Headers {
  let headers = keptHeaders.get(answer)
  if (headers === undefined) {
    headers = new Headers(answer.headers)
    headers.set('content-type', JSON_CONTENT_TYPE)
    if (Object.isFrozen(answer)) keptHeaders.set(answer, headers)
  }
  return headers
}

/**
 * A `Response` a hook returns, sent as it is. Elysia answers a `transform`'s return value only when it is a
 * `status(…)`; wrapped as status 200, the `Response` keeps its own status (Elysia's `mergeStatus` prefers the
 * response's own status to 200), goes out untouched when no hook put headers on `set`, and has them merged in
 * (its own win) when one did, as CORS does. Elysia's usual way, the answer's headers copied onto `set` and the
 * `Response` built from `set`, cost about 1 µs more per refusal. The plugin tests pin both paths.
 */
function answerAsIs(response: Response) {
  return status(200, response as unknown as string)
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
      // A request with a body is authenticated in `parse`; `transform` picks up that outcome.
      const started = new WeakMap<Request, Promise<AuthenticatedPrincipal>>()
      /** The refusal as the answer, or the principal merged into the context; before any validation. */
      // Not `async`: a refusal reaches `refuse` as a rejection handler's argument, where an `await` threw it into
      // the function again only to be caught (about 0.4 µs per refusal). Elysia awaits it all the same: it takes a
      // hook whose text returns a call for asynchronous (`isAsync` in elysia's compose); the plugin tests pin it.
      function authenticateBeforeValidation({ request, set }: HookContext) {
        return (started.get(request) ?? authenticator.authenticate(request, requirement)).then(
          (auth) => {
            // RFC 9449 §8.2: the next nonce, in the answer, before the client's one stops working.
            if (auth.dpop?.nonce !== undefined) set.headers['dpop-nonce'] = auth.dpop.nonce
            return { auth }
          },
          (error: unknown) => {
            // The route's answer, before any validation (see `answerAsIs`).
            if (error instanceof AuthError) return answerAsIs(authErrorResponse(authenticator, error, request))
            throw error
          },
        )
      }
      return {
        detail: { security: securityFor(requirement) },
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
        resolve(context): { auth: AuthenticatedPrincipal } {
          const { auth } = context as unknown as { auth: AuthenticatedPrincipal | undefined }
          // Fail closed: were the transform not awaited (an Elysia that no longer takes it for asynchronous), or
          // its principal lost, the handler must not run as if authenticated. A fault of ours: a 500.
          if (auth === undefined) throw new Error('The auth plugin found no principal for a protected route')
          return { auth }
        },
        afterHandle({ response, set }) {
          // Answers derived from a token are per-client: keep them out of shared caches. A handler's own Response
          // gets the header in place (Bun's Response headers are always mutable); any other answer through `set`.
          if (response instanceof Response) response.headers.set('cache-control', 'no-store')
          else set.headers['cache-control'] = 'no-store'
        },
      }
    })
  declared.set(plugin, scopes)
  return plugin
}
