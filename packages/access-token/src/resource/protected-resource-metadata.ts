/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document a client reads to learn which authorization
 * server issues tokens for this API, which scopes it knows and how tokens are presented. MCP clients find it from
 * the `resource_metadata` of a 401 challenge (RFC 9728 §5.1).
 */

/** RFC 9728 §3: the well-known URI suffix. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource'

/**
 * RFC 9728 §3.1: the metadata's path for a resource identifier, the well-known suffix inserted between the host and
 * the identifier's path (`https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`). The slash
 * right after the host is not part of the path (`https://api.example.com/` → the bare suffix); any other is kept.
 */
export function protectedResourceMetadataPath(resource: string | undefined): string {
  if (resource === undefined) return PROTECTED_RESOURCE_WELL_KNOWN
  const { pathname } = new URL(resource)
  return pathname === '/' ? PROTECTED_RESOURCE_WELL_KNOWN : `${PROTECTED_RESOURCE_WELL_KNOWN}${pathname}`
}

export interface ProtectedResourceMetadataOptions {
  /** The resource identifier (RFC 9728 §1.2): an https URL without fragment, what clients call the API by. */
  readonly resource: string
  /** Issuer identifiers of the authorization servers (RFC 8414) whose tokens this API accepts. */
  readonly authorizationServers: readonly string[]
  readonly scopesSupported: readonly string[]
  /** DPoP proof algorithms and whether only DPoP-bound tokens are accepted; omitted when DPoP is disabled. */
  readonly dpop?: { readonly algorithms: readonly string[]; readonly required: boolean } | undefined
  /** A human-readable name (RFC 9728 §2 `resource_name`). */
  readonly resourceName?: string
  /** Where developers read about the API (`resource_documentation`). */
  readonly resourceDocumentation?: string
}

/** The metadata document (RFC 9728 §2), members in the RFC's order; absent options are left out, not null. */
export interface ProtectedResourceMetadata {
  readonly resource: string
  readonly authorization_servers: readonly string[]
  readonly scopes_supported: readonly string[]
  readonly bearer_methods_supported: readonly string[]
  readonly resource_name?: string
  readonly resource_documentation?: string
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required: boolean
}

export function createProtectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  return {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    scopes_supported: [...new Set(options.scopesSupported)].sort(),
    // RFC 6750 §2.1 only: query and body tokens are refused (extract-token.ts).
    bearer_methods_supported: ['header'],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined ? {} : { resource_documentation: options.resourceDocumentation }),
    ...(options.dpop === undefined ? {} : { dpop_signing_alg_values_supported: [...options.dpop.algorithms] }),
    dpop_bound_access_tokens_required: options.dpop?.required ?? false,
  }
}
