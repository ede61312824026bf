import type { AuthOutcome } from '@repo/access-token'
import type { TraceParent } from './request-id.ts'

/**
 * What the request hooks need from a tracer; implemented with OpenTelemetry in `tracing.ts`, which only the entry
 * point imports (dynamically), so that the app does not load the SDK when tracing is off.
 */
export interface RequestTracer {
  /** Starts the server span of one request: a child of the caller's span when `parent` is given. */
  startRequest(method: string, parent: TraceParent | undefined): RequestTrace
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>
}

export interface RequestTrace {
  readonly traceId: string
  /** This request's span as a `traceparent` value, for the response. */
  readonly traceparent: string
  /** Starts the `auth` span; the returned function ends it with the outcome. */
  startAuth(): (outcome: AuthOutcome) => void
  end(route: string, status: number): void
}
