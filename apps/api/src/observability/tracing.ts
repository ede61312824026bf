/**
 * OpenTelemetry spans, built by hand rather than by an auto-instrumentation: a server span per request and an
 * `auth` span inside it, with only the attributes listed here. `@elysiajs/opentelemetry` 1.4.11 records every
 * request header (the `Authorization` header included) and the full URL (query string included) as attributes;
 * here nothing from the request reaches a span but its method, the matched route template, the status and the
 * validated `traceparent` ids.
 *
 * Loaded with a dynamic `import()` by the entry point only when an OTLP endpoint is configured: otherwise neither
 * this module nor the SDK is evaluated, and requests pay nothing.
 */
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import type { TracingConfig } from './observability-config.ts'
import { formatTraceParent, type TraceParent } from './request-id.ts'
import type { RequestTrace, RequestTracer } from './request-trace.ts'

export interface TracingOptions {
  readonly serviceName: string
  /** Where finished spans go. @default OTLP/HTTP to `url` */
  readonly exporter?: SpanExporter
  readonly url?: string
  /** Export each span as it ends (tests) instead of in batches. @default false */
  readonly immediate?: boolean
}

/** Refusals are the client's doing; only these outcomes make the auth span an error. */
const FAULTS = new Set(['issuer_unavailable', 'error'])

function startRequest(tracer: Tracer, method: string, parent: TraceParent | undefined): RequestTrace {
  const parentContext: Context =
    parent === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          traceId: parent.traceId,
          spanId: parent.parentId,
          traceFlags: parent.flags & 1,
          isRemote: true,
        })
  const span: Span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
    parentContext,
  )
  const context = span.spanContext()
  const spanContext = trace.setSpan(ROOT_CONTEXT, span)
  return {
    traceId: context.traceId,
    traceparent: formatTraceParent(context.traceId, context.spanId, (context.traceFlags & 1) === 1),
    startAuth() {
      const auth = tracer.startSpan('auth', { kind: SpanKind.INTERNAL }, spanContext)
      return (outcome) => {
        auth.setAttribute('auth.outcome', outcome)
        if (FAULTS.has(outcome)) auth.setStatus({ code: SpanStatusCode.ERROR })
        auth.end()
      }
    },
    end(route, status) {
      span.updateName(`${method} ${route}`)
      span.setAttribute('http.route', route)
      span.setAttribute('http.response.status_code', status)
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    },
  }
}

/** A tracer provider of its own (not registered globally: no other library starts spans on it). */
export function createTracing(options: TracingOptions): RequestTracer {
  const exporter = options.exporter ?? new OTLPTraceExporter(options.url === undefined ? {} : { url: options.url })
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    // The caller's sampling decision is kept; a request without one is sampled.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [options.immediate ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter })],
  })
  const tracer = provider.getTracer('api')
  return {
    startRequest: (method, parent) => startRequest(tracer, method, parent),
    shutdown: () => provider.shutdown(),
  }
}

/** From the configuration: spans to the OTLP/HTTP endpoint, in batches. */
export function startTracing(config: TracingConfig): RequestTracer {
  return createTracing({ serviceName: config.serviceName, url: config.url })
}
