import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
// Served from the image itself so that /docs works offline (the plugin defaults to a CDN).
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }

const ASSETS = '/docs/assets'
const SPEC_PATH = '/openapi.json'

/** Swagger UI at /docs, the OpenAPI document at /openapi.json, with the bearer scheme for "Authorize". */
export function createDocsRoutes() {
  return new Elysia({ name: 'routes/docs' })
    .get(`${ASSETS}/swagger-ui-bundle.js`, () => new Response(Bun.file(swaggerBundle)), { detail: { hide: true } })
    .get(`${ASSETS}/swagger-ui.css`, () => new Response(Bun.file(swaggerCss)), { detail: { hide: true } })
    .use(
      openapi({
        path: '/docs',
        specPath: SPEC_PATH,
        provider: 'swagger-ui',
        swagger: {
          cdn: `${ASSETS}/swagger-ui-bundle.js`,
          theme: `${ASSETS}/swagger-ui.css`,
          autoDarkMode: false,
          // An absolute spec URL, so that /docs/ works too (the plugin's default is relative). Its types omit
          // `url`, but the plugin spreads these options over its own.
          ...({ url: SPEC_PATH } as object),
        },
        documentation: {
          info: {
            title: 'Auth0-protected API',
            version: '1.0.0',
            description:
              'Routes protected by OAuth 2.0 access tokens (JWT, RFC 9068) from Auth0 or any OpenID Connect issuer.',
          },
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
}
