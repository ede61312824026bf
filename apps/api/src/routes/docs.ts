import { openapi } from '@elysiajs/openapi'
import type { AuthConfig } from '@repo/auth-config'
import { Elysia } from 'elysia'
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
// Served from the image itself so that /docs works offline (the plugin defaults to a CDN).
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import type { Logger } from '../logger.ts'
import { createTokenEndpoint, type IssuerAlias, type TokenEndpoint } from '../token-endpoint.ts'
import { renderDocsPage } from './docs-page.ts'
import { type OpenApiDocument, withOAuthFlow } from './openapi-oauth.ts'

const ASSETS = '/docs/assets'
const SPEC_PATH = '/openapi.json'

/** What "Authorize" in /docs needs to get a token from the issuer itself. */
export interface DocsOAuthOptions {
  /** The API identifier the token is asked for (Auth0's `audience`). */
  readonly audience: string
  readonly tokenEndpoint: TokenEndpoint
}

/** For the configured issuer: its token endpoint, looked up no more often than the key set's cooldown allows. */
export function createDocsOAuth(
  config: AuthConfig,
  io: { readonly alias: IssuerAlias | undefined; readonly logger: Logger },
): DocsOAuthOptions {
  const tokenEndpoint = createTokenEndpoint({
    source: config.keySource,
    transport: config.transport,
    timeoutMs: config.jwks.timeoutMs,
    retryAfterMs: config.jwks.cooldownMs,
    alias: io.alias,
    logger: io.logger,
  })
  return { audience: config.audience, tokenEndpoint }
}

const info = {
  title: 'Auth0-protected API',
  version: '1.0.0',
  description: 'Routes protected by OAuth 2.0 access tokens (JWT, RFC 9068) from Auth0 or any OpenID Connect issuer.',
}

/**
 * Swagger UI at /docs and the OpenAPI document at /openapi.json. The document declares the bearer scheme (paste a
 * token) and, once the issuer's token endpoint is known, its client-credentials flow (Authorize gets the token).
 * Without `oauth`, the bearer scheme only.
 */
export function createDocsRoutes(oauth?: DocsOAuthOptions) {
  const page = renderDocsPage({
    title: info.title,
    specUrl: SPEC_PATH, // absolute, so that /docs/ works too
    bundleUrl: `${ASSETS}/swagger-ui-bundle.js`,
    cssUrl: `${ASSETS}/swagger-ui.css`,
    audience: oauth?.audience,
  })
  return (
    new Elysia({ name: 'routes/docs' })
      .get(`${ASSETS}/swagger-ui-bundle.js`, () => new Response(Bun.file(swaggerBundle)), { detail: { hide: true } })
      .get(`${ASSETS}/swagger-ui.css`, () => new Response(Bun.file(swaggerCss)), { detail: { hide: true } })
      .get(
        '/docs',
        () => {
          // The page asks for the document next: start looking for the token endpoint now.
          void oauth?.tokenEndpoint.resolve()
          return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } })
        },
        { detail: { hide: true } },
      )
      // Applies to the routes added after it here: the plugin's document route only.
      .onAfterHandle(async function addOAuthFlow({ responseValue }) {
        const tokenUrl = await oauth?.tokenEndpoint.resolve()
        return withOAuthFlow(responseValue as OpenApiDocument, tokenUrl)
      })
      .use(
        openapi({
          specPath: SPEC_PATH,
          provider: null, // the page above, which can set Swagger UI's request interceptor
          documentation: {
            info,
            components: {
              securitySchemes: {
                bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
                // RFC 9449 §7.1 registers `DPoP` as an HTTP authentication scheme, which is what OpenAPI's `http` type
                // names. Swagger UI can only "Authorize" basic and bearer: a DPoP request needs a fresh proof each
                // time, which a client library makes (see examples/dpop-client).
                dpopAuth: {
                  type: 'http',
                  scheme: 'DPoP',
                  description:
                    'A DPoP-bound access token (RFC 9449): `Authorization: DPoP <token>` and a `DPoP` header with a new proof for each request (`htm`, `htu`, `iat`, `jti`, `ath`).',
                },
              },
            },
          },
        }),
      )
  )
}
