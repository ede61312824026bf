import { describe, expect, test } from 'bun:test'
import { formatTraceParent, parseTraceParent, requestIdFrom } from '../src/observability/request-id.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('requestIdFrom', () => {
  test('keeps a plain, short id from the client or a proxy', () => {
    for (const id of ['0f3c2b9e-1d2a-4b7c-9e8f-123456789abc', '01J9Z3K5', 'Root=1-5759e988-bd862e3fe1be46a9', 'a']) {
      expect(requestIdFrom(id)).toBe(id)
    }
  })

  test('replaces a missing, long, oddly written or token-shaped id with a new UUID', () => {
    const refused = [
      null,
      '',
      'x'.repeat(129),
      'a b',
      'a\nb',
      '<script>',
      'ü',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    ]
    for (const header of refused) expect(requestIdFrom(header)).toMatch(UUID)
    expect(requestIdFrom(null)).not.toBe(requestIdFrom(null))
  })
})

describe('parseTraceParent (W3C Trace Context §3.2)', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
  const parentId = '00f067aa0ba902b7'

  test('reads version 00, and the leading fields of a later version', () => {
    expect(parseTraceParent(`00-${traceId}-${parentId}-01`)).toEqual({ traceId, parentId, flags: 1 })
    expect(parseTraceParent(`00-${traceId}-${parentId}-00`)).toEqual({ traceId, parentId, flags: 0 })
    expect(parseTraceParent(`01-${traceId}-${parentId}-01-future`)).toEqual({ traceId, parentId, flags: 1 })
  })

  test('refuses anything malformed, so that a new trace starts', () => {
    const malformed = [
      null,
      '',
      `ff-${traceId}-${parentId}-01`, // forbidden version
      `00-${traceId}-${parentId}-01-extra`, // version 00 has exactly four fields
      `00-${'0'.repeat(32)}-${parentId}-01`, // all-zero trace id
      `00-${traceId}-${'0'.repeat(16)}-01`, // all-zero parent id
      `00-${traceId.toUpperCase()}-${parentId}-01`, // upper-case hex
      `00-${traceId.slice(1)}-${parentId}-01`,
      `00-${traceId}-${parentId}-1`,
      `00_${traceId}_${parentId}_01`,
      `00-${traceId}-${parentId}-01${'x'.repeat(600)}`,
    ]
    for (const header of malformed) expect(parseTraceParent(header)).toBeUndefined()
  })

  test('formats version 00', () => {
    expect(formatTraceParent(traceId, parentId, true)).toBe(`00-${traceId}-${parentId}-01`)
    expect(formatTraceParent(traceId, parentId, false)).toBe(`00-${traceId}-${parentId}-00`)
  })
})
