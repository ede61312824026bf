import { type AccessTokenPrincipal, type Authenticator, type AuthOutcome, authOutcome } from '@repo/access-token'
import { Elysia, StatusMap } from 'elysia'
import type { LeveledLogger, Logger } from '../logger.ts'
import { UNMATCHED_ROUTE } from './fast-metrics.ts'
import type { ApiMetrics } from './metrics.ts'
import { parseTraceParent, requestIdFrom } from './request-id.ts'
import type { RequestTrace, RequestTracer } from './request-trace.ts'

export interface ObservabilityOptions {
  readonly logger: Logger | LeveledLogger
  /** Counted when given; served at `GET /metrics` on the app unless `metricsRoute` is false. */
  readonly metrics?: ApiMetrics
  /** `/metrics` on the app itself; false when a listener of its own serves it (METRICS_PORT). @default true */
  readonly metricsRoute?: boolean
  /** OpenTelemetry; `undefined` (the default): no spans, no cost. */
  readonly tracer?: RequestTracer
  /** What `/metrics` answers. @default metrics.render (a worker asks the supervisor for every worker's sum) */
  readonly renderMetrics?: () => Promise<string>
  /** One `request` line per request at `info`. @default true */
  readonly accessLog?: boolean
}

export interface Observability {
  /** Request ids, the access log, request metrics and spans: `.use()` it before any route. */
  readonly plugin: ReturnType<typeof createPlugin>
  /** Counts (and traces) every authentication's outcome, and remembers it for the access log. */
  observeAuthenticator(authenticator: Authenticator): Authenticator
  /** The id of a request in flight, for log lines written while serving it. */
  requestId(request: Request): string | undefined
}

interface RequestState {
  readonly started: number
  readonly id: string
  readonly trace: RequestTrace | undefined
  outcome: AuthOutcome | undefined
  principal: AccessTokenPrincipal | undefined
}

const MAX_LOGGED_SUBJECT = 128
/** `sub`, or `client_id` when there is no `sub`: who was served, bounded (claims are signed, not short). */
function subjectOf({ claims }: AccessTokenPrincipal): { sub: string } | { client_id: string } | undefined {
  if (typeof claims.sub === 'string') return { sub: claims.sub.slice(0, MAX_LOGGED_SUBJECT) }
  const clientId = claims.client_id
  if (typeof clientId === 'string') return { client_id: clientId.slice(0, MAX_LOGGED_SUBJECT) }
  return undefined
}

/** The status the client got: a returned `Response` carries its own; otherwise Elysia's `set.status`. */
function statusOf(responseValue: unknown, status: number | string | undefined): number {
  if (responseValue instanceof Response) return responseValue.status
  if (typeof status === 'number') return status
  return status === undefined ? 200 : (StatusMap[status as keyof StatusMap] ?? 200)
}

/** Never the path, the query string, a header or the token: the route template and what was decided. */
function writeAccessLog(
  logger: Logger,
  state: RequestState,
  method: string,
  route: string,
  status: number,
  seconds: number,
): void {
  try {
    logger.info('request', {
      request_id: state.id,
      ...(state.trace === undefined ? {} : { trace_id: state.trace.traceId }),
      method: method.slice(0, 16),
      route,
      status,
      duration_ms: Math.round(seconds * 1e6) / 1000,
      ...(state.outcome === undefined ? {} : { auth: state.outcome }),
      ...(state.principal === undefined ? {} : subjectOf(state.principal)),
    })
  } catch {
    // The response is already sent; a failing log sink must not turn into an unhandled error.
  }
}

function createPlugin(options: ObservabilityOptions, states: WeakMap<Request, RequestState>) {
  const { logger, metrics, tracer } = options
  const accessLog = options.accessLog !== false && ('enabled' in logger ? logger.enabled('info') : true)
  const plugin = new Elysia({ name: 'observability' })
    .onRequest(function startRequest({ request, set }) {
      const id = requestIdFrom(request.headers.get('x-request-id'))
      set.headers['x-request-id'] = id
      let trace: RequestTrace | undefined
      if (tracer !== undefined) {
        trace = tracer.startRequest(request.method, parseTraceParent(request.headers.get('traceparent')))
        set.headers.traceparent = trace.traceparent
      }
      states.set(request, { started: performance.now(), id, trace, outcome: undefined, principal: undefined })
    })
    .onAfterResponse({ as: 'global' }, function finishRequest(context) {
      const { request, set } = context
      const state = states.get(request)
      if (state === undefined) return
      const seconds = (performance.now() - state.started) / 1000
      const route = typeof context.route === 'string' && context.route !== '' ? context.route : UNMATCHED_ROUTE
      const status = statusOf((context as { responseValue?: unknown }).responseValue, set.status)
      metrics?.requests.record(route, request.method, status, seconds)
      state.trace?.end(route, status)
      if (accessLog) writeAccessLog(logger, state, request.method, route, status, seconds)
    })
  if (metrics === undefined || options.metricsRoute === false) return plugin
  const render = options.renderMetrics ?? (() => metrics.render())
  return plugin.get(
    '/metrics',
    async () => new Response(await render(), { headers: { 'content-type': metrics.contentType } }),
    { detail: { hide: true } },
  )
}

/**
 * The per-request observability of the app: an `X-Request-Id` (the client's when plain and short, else a new one)
 * on every response and log line of the request, one access-log line per request, request and auth metrics by
 * route template and outcome, and OpenTelemetry spans when a tracer is given.
 */
export function createObservability(options: ObservabilityOptions): Observability {
  const states = new WeakMap<Request, RequestState>()
  const { metrics, tracer } = options
  return {
    plugin: createPlugin(options, states),
    observeAuthenticator(authenticator) {
      return {
        authenticate(request, requirement) {
          const state = states.get(request as Request)
          const endSpan = tracer === undefined ? undefined : state?.trace?.startAuth()
          const outcome = authenticator.authenticate(request, requirement)
          outcome.then(
            (principal) => {
              metrics?.recordAuth('ok')
              endSpan?.('ok')
              if (state !== undefined) {
                state.outcome = 'ok'
                state.principal = principal
              }
            },
            (error: unknown) => {
              const label = authOutcome(error)
              metrics?.recordAuth(label)
              endSpan?.(label)
              if (state !== undefined) state.outcome = label
            },
          )
          return outcome
        },
      }
    },
    requestId: (request) => states.get(request)?.id,
  }
}
