/**
 * Request ids and W3C Trace Context (https://www.w3.org/TR/trace-context/), read from what the client sent.
 * Both come from outside: they are checked before they reach a log line, a span or a response header.
 */

/**
 * Ids from a proxy or a client are kept when short and plain (UUIDs, ULIDs, hex, `Root=1-...`); else a new one.
 * No dots: a compact JWT always has two, so a token sent as a request id is never echoed or logged.
 */
const REQUEST_ID = /^[A-Za-z0-9_:=+/@-]{1,128}$/

/** The client's `X-Request-Id` when it is safe to echo and log, else a new random one. */
export function requestIdFrom(header: string | null): string {
  return header !== null && REQUEST_ID.test(header) ? header : crypto.randomUUID()
}

export interface TraceParent {
  readonly traceId: string
  readonly parentId: string
  /** The trace flags; bit 0 is `sampled`. */
  readonly flags: number
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_PARENT_ID = '0'.repeat(16)

/**
 * Parses `traceparent` (§3.2). `undefined` for anything malformed, which then starts a new trace (§3.2.2.1 and
 * §4.3): version `ff`, all-zero ids, upper-case hex, or extra fields on version 00. Later versions may append
 * fields, which are ignored.
 */
export function parseTraceParent(header: string | null): TraceParent | undefined {
  if (header === null || header.length > 512) return undefined
  const match = TRACEPARENT.exec(header.trim())
  if (match === null) return undefined
  const [, version, traceId, parentId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ]
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined
  return { traceId, parentId, flags: Number.parseInt(flags, 16) }
}

/** Formats a version-00 `traceparent`. */
export function formatTraceParent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`
}
