import type { Authenticator } from '@repo/access-token'
import { createAuthPlugin } from '@repo/elysia-auth'
import { Elysia } from 'elysia'
import type { Logger } from './logger.ts'
import { createObservability, type Observability } from './observability/observability.ts'
import { createAuthorizationExampleRoutes } from './routes/authorization-examples.ts'
import { createDocsRoutes } from './routes/docs.ts'
import { createHealthRoutes, type Lifecycle, type Readiness } from './routes/health.ts'
import { createMessageRoutes } from './routes/messages.ts'

export interface AppDependencies {
  readonly authenticator: Authenticator
  readonly keySet: Readiness
  readonly logger: Logger
  /** Metrics, request ids, access log, spans (the server wraps the app's fetch with it). @default none of them */
  readonly observability?: Observability
  /** Whether the process is shutting down (/readyz then answers 503). */
  readonly lifecycle?: Lifecycle
}

const json = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status })

/** Builds the API without listening: the server, the tests and the benchmarks all use this. */
export function createApp(dependencies: AppDependencies) {
  const { authenticator, keySet, logger, lifecycle } = dependencies
  const observability = dependencies.observability ?? createObservability({ logger, accessLog: false })
  const auth = createAuthPlugin({ authenticator: observability.observeAuthenticator(authenticator) })
  return (
    new Elysia({ name: 'api' })
      .use(observability.plugin)
      .use(auth)
      // Every error that is not an auth error ends here: no library message ever reaches a client.
      .onError(function respondToOtherErrors({ code, error, request }) {
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
              request_id: observability.requestId(request),
              code: String(code),
              name: error instanceof Error ? error.name : typeof error,
              message: error instanceof Error ? error.message : undefined,
            })
            return json(500, 'server_error', 'Internal server error')
        }
      })
      .use(createHealthRoutes(keySet, lifecycle))
      .use(createDocsRoutes())
      .use(createMessageRoutes(auth))
      .use(createAuthorizationExampleRoutes(auth))
  )
}

export type App = ReturnType<typeof createApp>
