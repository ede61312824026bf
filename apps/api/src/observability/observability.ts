import { type AccessTokenPrincipal, type Authenticator, type AuthOutcome, authOutcome } from '@repo/access-token'
import { Elysia } from 'elysia'
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
  /** Notes each request's route template (and serves /metrics): `.use()` it before any route. */
  readonly plugin: ReturnType<typeof createPlugin>
  /**
   * Wraps the app's `fetch` (or `handle`): request ids, the access log, request metrics and spans. The server
   * listens with the wrapped function; a request that does not go through it is served but not observed.
   */
  wrap(fetch: (request: Request) => Response | Promise<Response>): (request: Request) => Response | Promise<Response>
  /** Counts (and traces) every authentication's outcome, and remembers it for the access log. */
  observeAuthenticator(authenticator: Authenticator): Authenticator
  /** The id of a request in flight, for log lines written while serving it. */
  requestId(request: Request): string | undefined
}

interface RequestState {
  readonly started: number
  readonly id: string
  /** The matched route template; empty until the app matched one. */
  route: string
  readonly trace: RequestTrace | undefined
  outcome: AuthOutcome | undefined
  principal: AccessTokenPrincipal | undefined
}

/**
 * Each request's state rides on the request object itself, under a symbol of this module (no one else can read
 * or write it): a `WeakMap` cost about 0.1 µs per request to set and read back, a property next to nothing.
 */
const STATE = Symbol('observability state')
type ObservedRequest = Request & { [STATE]?: RequestState }
const stateOf = (request: unknown): RequestState | undefined => (request as ObservedRequest)[STATE]

const MAX_LOGGED_SUBJECT = 128
/** `sub`, or `client_id` when there is no `sub`: who was served, bounded (claims are signed, not short). */
function subjectOf({ claims }: AccessTokenPrincipal): { sub: string } | { client_id: string } | undefined {
  if (typeof claims.sub === 'string') return { sub: claims.sub.slice(0, MAX_LOGGED_SUBJECT) }
  const clientId = claims.client_id
  if (typeof clientId === 'string') return { client_id: clientId.slice(0, MAX_LOGGED_SUBJECT) }
  return undefined
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

/**
 * The Elysia side is one `transform` hook that notes the matched route template (it runs for matched routes only,
 * and costs next to nothing); everything else happens around the app's `fetch` in `wrap`, because Elysia's
 * `onRequest` and `onAfterResponse` hooks (a `setImmediate` per request, headers merged into every response) cost
 * more than the 5 % budget on a public route by themselves.
 */
function createPlugin(options: ObservabilityOptions) {
  const { metrics } = options
  const plugin = new Elysia({ name: 'observability' }).onTransform({ as: 'global' }, function noteRoute(context) {
    const state = stateOf(context.request)
    if (state !== undefined) state.route = context.route
  })
  if (metrics === undefined || options.metricsRoute === false) return plugin
  const render = options.renderMetrics ?? (() => metrics.render())
  return plugin.get(
    '/metrics',
    async () => new Response(await render(), { headers: { 'content-type': metrics.contentType } }),
    { detail: { hide: true } },
  )
}

type Fetch = (request: Request) => Response | Promise<Response>

/** Whether each request gets its `request` line: asked for, and the logger writes `info`. */
const writesAccessLog = ({ accessLog, logger }: ObservabilityOptions) =>
  accessLog !== false && ('enabled' in logger ? logger.enabled('info') : true)

function createWrap(options: ObservabilityOptions) {
  const { logger, metrics, tracer } = options
  const accessLog = writesAccessLog(options)

  function finish(request: Request, state: RequestState, response: Response): Response {
    const seconds = (performance.now() - state.started) / 1000
    const route = state.route || UNMATCHED_ROUTE
    const { status } = response
    try {
      response.headers.set('x-request-id', state.id)
      if (state.trace !== undefined) response.headers.set('traceparent', state.trace.traceparent)
    } catch {
      // A response with immutable headers (Response.redirect) goes without them.
    }
    metrics?.requests.record(route, request.method, status, seconds)
    state.trace?.end(route, status)
    if (accessLog) writeAccessLog(logger, state, request.method, route, status, seconds)
    return response
  }

  return function wrap(fetch: Fetch): (request: Request) => Response | Promise<Response> {
    return function observedFetch(request) {
      const state: RequestState = {
        started: performance.now(),
        id: requestIdFrom(request.headers.get('x-request-id')),
        route: '',
        trace:
          tracer === undefined
            ? undefined
            : tracer.startRequest(request.method, parseTraceParent(request.headers.get('traceparent'))),
        outcome: undefined,
        principal: undefined,
      }
      ;(request as ObservedRequest)[STATE] = state
      const response = fetch(request)
      // A response the app built synchronously is returned as such: Bun serves those without a promise.
      return response instanceof Response
        ? finish(request, state, response)
        : response.then((value) => finish(request, state, value))
    }
  }
}

/**
 * The per-request observability of the app: an `X-Request-Id` (the client's when plain and short, else a new one)
 * on every response and log line of the request, one access-log line per request, request and auth metrics by
 * route template and outcome, and OpenTelemetry spans when a tracer is given.
 */
export function createObservability(options: ObservabilityOptions): Observability {
  const { metrics, tracer } = options
  // What an authentication's outcome is needed for besides the metrics: the access-log line and the span.
  const keepsOutcome = tracer !== undefined || writesAccessLog(options)
  // Without them, the same two functions count every outcome: nothing is allocated per request to observe it.
  const countOk = () => metrics?.recordAuth('ok')
  const countRefusal = (error: unknown) => metrics?.recordAuth(authOutcome(error))
  return {
    plugin: createPlugin(options),
    wrap: createWrap(options),
    observeAuthenticator(authenticator) {
      return {
        schemes: authenticator.schemes,
        respond: (error, request) => authenticator.respond(error, request),
        authenticate(request, requirement) {
          const state = keepsOutcome ? stateOf(request) : undefined
          const endSpan = tracer === undefined ? undefined : state?.trace?.startAuth()
          const outcome = authenticator.authenticate(request, requirement)
          if (state === undefined) {
            if (metrics !== undefined) outcome.then(countOk, countRefusal)
            return outcome
          }
          outcome.then(
            (principal) => {
              metrics?.recordAuth('ok')
              endSpan?.('ok')
              state.outcome = 'ok'
              state.principal = principal
            },
            (error: unknown) => {
              const label = authOutcome(error)
              metrics?.recordAuth(label)
              endSpan?.(label)
              state.outcome = label
            },
          )
          return outcome
        },
      }
    },
    requestId: (request) => stateOf(request)?.id,
  }
}
