import {
  createProtectedResourceMetadata,
  PROTECTED_RESOURCE_WELL_KNOWN,
  type PublicOrigin,
  protectedResourceMetadataPath,
} from '@repo/access-token'
import { declaredScopes } from '@repo/elysia-auth'
import { Elysia, t } from 'elysia'

/** What the document says besides the scopes, which the routes themselves declare. */
export interface ProtectedResourceSettings {
  /** The resource identifier; undefined: the origin each request was made to. */
  readonly identifier: string | undefined
  readonly publicOrigin: PublicOrigin
  /** The origin comes from X-Forwarded-* headers: shared caches must key on them. */
  readonly variesByForwardedHeaders: boolean
  /** The issuer identifiers, exactly as tokens carry them (discovered ones included). */
  authorizationServers(): Promise<readonly string[]>
  readonly dpop: { readonly algorithms: readonly string[]; readonly required: boolean } | undefined
}

// Metadata changes with a deployment, not per request: an hour in any cache.
const CACHE_CONTROL = 'public, max-age=3600'

const Metadata = t.Object(
  {
    resource: t.String(),
    authorization_servers: t.Array(t.String()),
    scopes_supported: t.Array(t.String()),
    bearer_methods_supported: t.Array(t.String()),
    resource_name: t.Optional(t.String()),
    resource_documentation: t.Optional(t.String()),
    dpop_signing_alg_values_supported: t.Optional(t.Array(t.String())),
    dpop_bound_access_tokens_required: t.Boolean(),
  },
  { description: 'OAuth 2.0 Protected Resource Metadata (RFC 9728 §2)' },
)

/**
 * `GET /.well-known/oauth-protected-resource` (RFC 9728 §3): how a client (an MCP client, an agent) gets a token
 * for this API. When the resource identifier has a path, the document is also at the well-known URI that path
 * makes (§3.1), where a client that knows only the identifier looks.
 */
export function createProtectedResourceRoutes(auth: object, settings: ProtectedResourceSettings) {
  const paths = [...new Set([PROTECTED_RESOURCE_WELL_KNOWN, protectedResourceMetadataPath(settings.identifier)])]
  const routes = new Elysia({ name: 'routes/protected-resource' })
  for (const path of paths) {
    routes.get(
      path,
      async ({ request }) => {
        const origin = settings.publicOrigin(request)
        // A discovered issuer that cannot be had yet is a 503 (the auth plugin renders IssuerUnavailableError).
        const authorizationServers = await settings.authorizationServers()
        const document = createProtectedResourceMetadata({
          resource: settings.identifier ?? origin,
          authorizationServers,
          scopesSupported: declaredScopes(auth),
          dpop: settings.dpop,
          resourceName: 'Auth0-protected API',
          resourceDocumentation: `${origin}/docs`,
        })
        const headers: Record<string, string> = { 'cache-control': CACHE_CONTROL }
        if (settings.variesByForwardedHeaders) headers.vary = 'X-Forwarded-Proto, X-Forwarded-Host'
        return Response.json(document, { headers })
      },
      {
        detail: { summary: 'OAuth 2.0 Protected Resource Metadata (RFC 9728)', tags: ['discovery'] },
        response: { 200: Metadata },
      },
    )
  }
  return routes
}
