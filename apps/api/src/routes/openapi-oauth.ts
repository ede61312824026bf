/** The OAuth 2.0 security scheme's name; the auth plugin lists each protected route's scopes under it. */
export const OAUTH2_SCHEME = 'oauth2'

type SecurityRequirement = Record<string, string[]>
type Operation = { security?: SecurityRequirement[] } & Record<string, unknown>
type PathItem = Record<string, Operation>

/** The part of an OpenAPI 3 document this module reads and writes. */
export interface OpenApiDocument {
  readonly paths?: Record<string, PathItem>
  readonly components?: { readonly securitySchemes?: Record<string, unknown> } & Record<string, unknown>
  readonly [key: string]: unknown
}

/** Each scope the OAuth requirements of the document name, with the operations that need it. */
function gatherScopes(paths: Record<string, PathItem>): Map<string, string[]> {
  const scopes = new Map<string, string[]>()
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const requirement of operation.security ?? []) {
        for (const scope of requirement[OAUTH2_SCHEME] ?? []) {
          scopes.set(scope, [...(scopes.get(scope) ?? []), `${method.toUpperCase()} ${path}`])
        }
      }
    }
  }
  return scopes
}

/** The document without any requirement on the OAuth scheme: it must not name a scheme it does not declare. */
function withoutOAuthRequirements(paths: Record<string, PathItem>): Record<string, PathItem> {
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([method, operation]) => {
          if (operation.security === undefined) return [method, operation]
          const security = operation.security.filter((requirement) => !(OAUTH2_SCHEME in requirement))
          return [method, { ...operation, security }]
        }),
      ),
    ]),
  )
}

/**
 * The document with the issuer's client-credentials flow declared, so that Swagger UI's "Authorize" gets a token
 * itself: `tokenUrl` the issuer's token endpoint, `scopes` every scope a route asks for. Without a token URL (the
 * issuer's discovery has not succeeded yet), the OAuth requirements are left out and only the bearer scheme remains.
 * Returns a new document; the one given (the plugin's cached copy) is not changed.
 */
export function withOAuthFlow(document: OpenApiDocument, tokenUrl: string | undefined): OpenApiDocument {
  const paths = document.paths ?? {}
  if (tokenUrl === undefined) return { ...document, paths: withoutOAuthRequirements(paths) }
  const scopes = Object.fromEntries(
    [...gatherScopes(paths)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([scope, operations]) => [scope, `Needed by ${operations.join(', ')}`]),
  )
  const scheme = {
    type: 'oauth2',
    description: "A token from the issuer's token endpoint (client_credentials), asked for by Swagger UI itself.",
    flows: { clientCredentials: { tokenUrl, scopes } },
  }
  const components = document.components ?? {}
  return {
    ...document,
    components: { ...components, securitySchemes: { ...components.securitySchemes, [OAUTH2_SCHEME]: scheme } },
  }
}
