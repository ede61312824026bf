import type { Authenticator } from '@repo/access-token'
import { createAuthPlugin } from '@repo/elysia-auth'
import { Elysia } from 'elysia'
import { type CorsConfig, createCors } from './cors.ts'
import type { Logger } from './logger.ts'
import { createAuthorizationExampleRoutes } from './routes/authorization-examples.ts'
import { createDocsRoutes, type DocsOAuthOptions } from './routes/docs.ts'
import { createHealthRoutes, type Readiness } from './routes/health.ts'
import { createMessageRoutes } from './routes/messages.ts'
import { OAUTH2_SCHEME } from './routes/openapi-oauth.ts'
import { createProtectedResourceRoutes, type ProtectedResourceSettings } from './routes/protected-resource.ts'

export interface AppDependencies {
  readonly authenticator: Authenticator
  readonly keySet: Readiness
  readonly logger: Logger
  /** Browser origins allowed cross-origin (`CORS_ORIGINS`); unset: CORS off. */
  readonly cors?: CorsConfig | undefined
  /** What /docs needs to get tokens itself; unset: the bearer scheme only. */
  readonly docs?: DocsOAuthOptions | undefined
  readonly protectedResource: ProtectedResourceSettings
}

const json = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status })

/** Builds the API without listening: the server, the tests and the benchmarks all use this. */
export function createApp({ authenticator, keySet, logger, cors, docs, protectedResource }: AppDependencies) {
  const auth = createAuthPlugin({ authenticator, oauth2SecurityScheme: OAUTH2_SCHEME })
  return (
    new Elysia({ name: 'api' })
      .use(createCors(cors))
      .use(auth)
      // Every error that is not an auth error ends here: no library message ever reaches a client.
      .onError(function respondToOtherErrors({ code, error }) {
        switch (code) {
          case 'NOT_FOUND':
            return json(404, 'not_found', 'No such route')
          case 'VALIDATION':
          case 'PARSE':
          case 'INVALID_COOKIE_SIGNATURE':
          case 'INVALID_FILE_TYPE':
            return json(400, 'invalid_request', 'The request is malformed')
          default:
            logger.error('unhandled_error', {
              code: String(code),
              name: error instanceof Error ? error.name : typeof error,
              message: error instanceof Error ? error.message : undefined,
            })
            return json(500, 'server_error', 'Internal server error')
        }
      })
      .use(createHealthRoutes(keySet))
      .use(createDocsRoutes(docs))
      .use(createProtectedResourceRoutes(auth, protectedResource))
      .use(createMessageRoutes(auth))
      .use(createAuthorizationExampleRoutes(auth))
  )
}

export type App = ReturnType<typeof createApp>
