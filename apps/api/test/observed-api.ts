import { afterAll, beforeAll } from 'bun:test'
import { loadAuthConfig } from '@repo/auth-config'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { createApp } from '../src/app.ts'
import { createAuthRuntime } from '../src/auth.ts'
import { type Logger, silentLogger } from '../src/logger.ts'
import { createApiMetrics } from '../src/observability/metrics.ts'
import { createObservability } from '../src/observability/observability.ts'
import type { RequestTracer } from '../src/observability/request-trace.ts'
import { audience } from './helpers.ts'

/** The server's wiring (metrics, access log, optional tracer) pointed at an issuer stub, through `app.handle`. */
export function createObservedApi(
  issuer: { baseUrl: string },
  options: { logger?: Logger; tracer?: RequestTracer } = {},
) {
  const { config } = loadAuthConfig({
    AUTH0_ISSUER_BASE_URL: issuer.baseUrl,
    AUTH0_API_AUDIENCE: audience,
    AUTH0_JWKS_TIMEOUT_MS: '300',
  })
  const logger = options.logger ?? silentLogger
  const metrics = createApiMetrics({ processMetrics: false })
  const runtime = createAuthRuntime(config, { logger, onKeySetEvent: metrics.keySet.record, metrics })
  metrics.keySet.watch(runtime.keySet)
  const observability = createObservability({
    logger,
    metrics,
    ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
  })
  const inner = createApp({ ...runtime, logger, observability })
  // As the server serves it: the app's handler wrapped by the observability.
  const wrapped = observability.wrap((request) => inner.handle(request))
  const app = { handle: async (request: Request) => wrapped(request) }
  return { app, runtime, metrics }
}

/** Sends a request through the app and reads the answer. */
export async function send(
  app: { handle(request: Request): Promise<Response> },
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers)
  if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`)
  const response = await app.handle(new Request(`http://localhost${path}`, { ...init, headers }))
  const body = await response.arrayBuffer()
  return new Response(body, response)
}

/** An issuer stub for the file, started before its tests and closed after them. */
export function useIssuerStub(): { readonly issuer: IssuerStub } {
  const context = {} as { issuer: IssuerStub }
  beforeAll(async () => {
    context.issuer = await startIssuerStub({ audience })
  })
  afterAll(() => context.issuer.close())
  return context
}
