import {
  type AccessRequirement,
  type AccessTokenPrincipal,
  type AccessTokenVerifier,
  type AnyAuthError,
  AuthError,
  assertAccess,
  extractBearerToken,
  toAuthErrorResponse,
  validateAccessRequirement,
} from '@repo/access-token'
import { Elysia } from 'elysia'

export interface AuthPluginOptions {
  /** Verifies a bearer token; one per process, shared by every route. */
  readonly verifier: AccessTokenVerifier
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
  const { status, headers, body } = toAuthErrorResponse(error as AnyAuthError, { realm })
  return Response.json(body, { status, headers: { ...headers, 'cache-control': 'no-store' } })
}

const verifierIds = new WeakMap<AccessTokenVerifier, number>()
let lastVerifierId = 0
function verifierId(verifier: AccessTokenVerifier): number {
  const known = verifierIds.get(verifier)
  if (known !== undefined) return known
  lastVerifierId += 1
  verifierIds.set(verifier, lastVerifierId)
  return lastVerifierId
}

/**
 * The auth plugin: a named Elysia instance with an `auth` macro. A route declares
 * `{ auth: true }` or `{ auth: { scopes: ['read:messages'] } }` and its handler gets the typed
 * `auth` principal. Token extraction and verification live in `@repo/access-token`.
 */
export function createAuthPlugin(options: AuthPluginOptions) {
  const { verifier } = options
  const realm = options.realm ?? 'api'
  const security = [{ [options.securityScheme ?? 'bearerAuth']: [] }]

  // Deduplicated per verifier: using the plugin twice with one verifier registers it once.
  return new Elysia({ name: '@repo/elysia-auth', seed: { realm, verifier: verifierId(verifier) } })
    .error({ AuthError })
    .onError({ as: 'global' }, function respondToAuthError({ error }) {
      if (error instanceof AuthError) return authErrorResponse(error, realm)
    })
    .macro('auth', (option: AuthOption) => {
      const requirement = option === true ? undefined : validateAccessRequirement(option)
      return {
        detail: { security },
        async resolve({ headers, query, body, set }): Promise<{ auth: AccessTokenPrincipal }> {
          const token = extractBearerToken({
            authorization: headers.authorization,
            query,
            contentType: headers['content-type'],
            body,
          })
          const auth = await verifier.verify(token)
          if (requirement !== undefined) assertAccess(auth, requirement)
          // Answers derived from a token are per-client: keep them out of shared caches.
          set.headers['cache-control'] = 'no-store'
          return { auth }
        },
      }
    })
}
