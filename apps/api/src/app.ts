import type { Authenticator } from '@repo/access-token'
import { createAuthPlugin } from '@repo/elysia-auth'
import { Elysia } from 'elysia'
import { createAllowedMethods } from './allowed-methods.ts'
import { type CorsConfig, createCors } from './cors.ts'
import type { Logger } from './logger.ts'
import { createObservability, type Observability } from './observability/observability.ts'
import { createAuthorizationExampleRoutes } from './routes/authorization-examples.ts'
import { createDocsRoutes, type DocsOAuthOptions } from './routes/docs.ts'
import { createHealthRoutes, type Lifecycle, type Readiness } from './routes/health.ts'
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
  /** Metrics, request ids, access log, spans (the server wraps the app's fetch with it). @default none of them */
  readonly observability?: Observability
  /** Whether the process is shutting down (/readyz then answers 503). */
  readonly lifecycle?: Lifecycle
}

const json = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status })

/** Builds the API without listening: the server, the tests and the benchmarks all use this. */
export function createApp(dependencies: AppDependencies) {
  const { authenticator, keySet, logger, lifecycle, cors, docs, protectedResource } = dependencies
  const observability = dependencies.observability ?? createObservability({ logger, accessLog: false })
  const auth = createAuthPlugin({
    authenticator: observability.observeAuthenticator(authenticator),
    oauth2SecurityScheme: OAUTH2_SCHEME,
  })
  // RFC 9110 §15.5.6: a known path asked with another method is a 405 naming the methods it has, not a 404.
  const allowedMethods = createAllowedMethods(() => app.routes)
  const app = new Elysia({ name: 'api' })
    .use(createCors(cors))
    .use(observability.plugin)
    .use(auth)
    // Every error that is not an auth error ends here: no library message ever reaches a client.
    .onError(function respondToOtherErrors({ code, error, request }) {
      switch (code) {
        case 'NOT_FOUND': {
          const allowed = allowedMethods(new URL(request.url).pathname)
          if (allowed.length === 0) return json(404, 'not_found', 'No such route')
          const answer = json(405, 'method_not_allowed', `This route answers ${allowed.join(', ')}`)
          answer.headers.set('allow', allowed.join(', '))
          return answer
        }
        case 'VALIDATION':
        case 'PARSE':
        case 'INVALID_COOKIE_SIGNATURE':
        case 'INVALID_FILE_TYPE':
          return json(400, 'invalid_request', 'The request is malformed')
        default:
          logger.error('unhandled_error', {
            request_id: observability.requestId(request),
            code: String(code),
            name: error instanceof Error ? error.name : typeof error,
            message: error instanceof Error ? error.message : undefined,
          })
          return json(500, 'server_error', 'Internal server error')
      }
    })
    .use(createHealthRoutes(keySet, lifecycle))
    .use(createDocsRoutes(docs))
    .use(createProtectedResourceRoutes(auth, protectedResource))
    .use(createMessageRoutes(auth))
    .use(createAuthorizationExampleRoutes(auth))
  return app
}

export type App = ReturnType<typeof createApp>
