import { randomBytes } from 'node:crypto'
import type { JWK } from 'jose'
import type { AsymmetricSigningAlgorithm, errors as OidcErrors, Provider } from 'oidc-provider'
import type { IssuerConfig } from './issuer-config.ts'
import type { OidcProviderModule } from './load-oidc-provider.ts'
import { createMemoryAdapter } from './memory-adapter.ts'

/** Auth0's token endpoint path. */
export const TOKEN_PATH = '/oauth/token'

/** DPoP proof algorithms accepted (RFC 9449), published as `dpop_signing_alg_values_supported`. */
export const DPOP_SIGNING_ALGS: readonly AsymmetricSigningAlgorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'Ed25519',
  'EdDSA',
]

/** Auth0 answers a token request for an API it does not know with 403 `access_denied`, not 400. */
function accessDenied(errors: typeof OidcErrors, description: string): Error {
  const error = new errors.AccessDenied(description)
  error.status = 403
  error.statusCode = 403
  return error
}

/** An OpenID Provider (oidc-provider) issuing RS256 JWT access tokens through client_credentials. */
export function createProvider(
  oidc: OidcProviderModule,
  config: IssuerConfig & { readonly issuer: string },
  signingKey: JWK,
): Provider {
  const allScopes = [...new Set(config.clients.flatMap((client) => client.scopes))]
  const audiences = new Set(config.audiences)
  const provider = new oidc.Provider(config.issuer, {
    adapter: createMemoryAdapter(),
    clients: config.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: client.scopes.join(' '),
    })),
    jwks: { keys: [signingKey] },
    routes: { token: TOKEN_PATH, jwks: '/.well-known/jwks.json' },
    scopes: allScopes,
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 9449: a request with a valid `DPoP` proof gets a token bound to the proof's key (`cnf.jkt`,
      // `token_type: DPoP`); one without keeps getting a Bearer token. Nonces are offered, not required: a proof
      // whose `iat` is too far off is answered `use_dpop_nonce` with a fresh `DPoP-Nonce` to retry with. They
      // are derived from this secret, so they stop being valid when the issuer restarts. Replays are refused.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), allowReplay: false },
      resourceIndicators: {
        enabled: true,
        // Auth0 (client_credentials) with no audience and no default audience.
        defaultResource: () => {
          throw accessDenied(
            oidc.errors,
            'No audience parameter was provided, and no default audience has been configured',
          )
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!audiences.has(resource)) throw accessDenied(oidc.errors, `Service not found: ${resource}`)
          return {
            audience: resource,
            scope: allScopes.join(' '),
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.accessTokenTtlSeconds,
            jwt: { sign: { alg: 'RS256' } },
          }
        },
      },
    },
    // Auth0 RBAC puts the granted permissions in the token too; mirror the scopes there.
    extraTokenClaims: (_ctx, token) => {
      const scope = (token as { scope?: string }).scope
      return { permissions: scope === undefined ? [] : scope.split(' ').filter(Boolean), gty: 'client-credentials' }
    },
    ttl: { ClientCredentials: config.accessTokenTtlSeconds },
    enabledJWA: { clientAuthSigningAlgValues: ['RS256'], dPoPSigningAlgValues: [...DPOP_SIGNING_ALGS] },
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
    // Browser calls to the token endpoint (Swagger UI's "Authorize" on the API's origin). oidc-provider answers the
    // preflight itself and asks this for the actual request; its default refuses every confidential client.
    clientBasedCORS: (_ctx, origin) => config.corsOrigins === '*' || config.corsOrigins.includes(origin),
  })
  provider.proxy = true
  return provider
}
