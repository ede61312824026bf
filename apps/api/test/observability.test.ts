import { afterAll, describe, expect, test } from 'bun:test'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { createJsonLogger } from '../src/logger.ts'
import { createTracing } from '../src/observability/tracing.ts'
import { createObservedApi, send, useIssuerStub } from './observed-api.ts'

const ctx = useIssuerStub()
const exporter = new InMemorySpanExporter()
const tracer = createTracing({ serviceName: 'api-test', exporter, immediate: true })
const lines: string[] = []
let api: ReturnType<typeof createObservedApi> | undefined
const observed = () => {
  api ??= createObservedApi(ctx.issuer, { logger: createJsonLogger((line) => lines.push(line)), tracer })
  return api
}
afterAll(async () => {
  api?.runtime.keySet.close()
  await tracer.shutdown()
})

const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
const accessLines = () => logged().filter((line) => line.event === 'request')
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('request ids and the access log', () => {
  test('every answer carries x-request-id: the client’s when plain, else a new one', async () => {
    const { app } = observed()
    const echoed = await send(app, '/api/public', { headers: { 'x-request-id': 'req-123' } })
    expect(echoed.headers.get('x-request-id')).toBe('req-123')
    for (const path of ['/api/public', '/api/private', '/nope', '/readyz']) {
      const response = await send(app, path, { headers: { 'x-request-id': 'has space' } })
      expect(response.headers.get('x-request-id')).toMatch(UUID)
    }
  })

  test('one line per request: method, route template, status, duration, auth outcome and subject', async () => {
    const { app } = observed()
    lines.length = 0
    const token = await ctx.issuer.mint({ sub: 'user-42' })
    await send(app, '/api/private?page=2', { token, headers: { 'x-request-id': 'req-ok' } })
    await send(app, '/api/private', { headers: { 'x-request-id': 'req-missing' } })
    await send(app, '/api/public', { headers: { 'x-request-id': 'req-public' } })
    const [ok, missing, open] = accessLines()
    expect(ok).toMatchObject({ level: 'info', request_id: 'req-ok', method: 'GET', route: '/api/private', status: 200 })
    expect(ok).toMatchObject({ auth: 'ok', sub: 'user-42' })
    expect(typeof ok?.duration_ms).toBe('number')
    expect(missing).toMatchObject({ request_id: 'req-missing', route: '/api/private', status: 401, auth: 'missing' })
    expect(missing?.sub).toBeUndefined()
    expect(open).toMatchObject({ request_id: 'req-public', route: '/api/public', status: 200 })
    expect(open?.auth).toBeUndefined()
    expect(lines.join('')).not.toContain('page=2')
  })
})

const spans = (): ReadableSpan[] => exporter.getFinishedSpans()

describe('OpenTelemetry spans', () => {
  test('a server span per request, child of a valid traceparent, with an auth span recording the outcome', async () => {
    const { app } = observed()
    exporter.reset()
    const token = await ctx.issuer.mint({ exp: Math.floor(Date.now() / 1000) - 600 })
    const response = await send(app, '/api/private', {
      token,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    })
    expect(response.status).toBe(401)
    const server = spans().find((span) => span.name === 'GET /api/private')
    const auth = spans().find((span) => span.name === 'auth')
    expect(server?.spanContext().traceId).toBe(traceId)
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7')
    expect(server?.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/api/private',
      'http.response.status_code': 401,
    })
    expect(auth?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId as string)
    expect(auth?.attributes).toEqual({ 'auth.outcome': 'expired' })
    // The answer names this request's span, so that a client can find the trace.
    expect(response.headers.get('traceparent')).toBe(`00-${traceId}-${server?.spanContext().spanId}-01`)
    const line = accessLines().at(-1)
    expect(line?.trace_id).toBe(traceId)
  })

  test('a malformed traceparent starts a new trace', async () => {
    const { app } = observed()
    exporter.reset()
    await send(app, '/api/public', { headers: { traceparent: `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01` } })
    const [server] = spans()
    expect(server?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(server?.spanContext().traceId).not.toBe(traceId)
    expect(server?.parentSpanContext).toBeUndefined()
  })
})

describe('nothing secret leaves: spans, log lines and metrics', () => {
  test('no token, Authorization header or query string in any span, attribute, event, log line or label', async () => {
    const { app, metrics } = observed()
    exporter.reset()
    lines.length = 0
    const token = await ctx.issuer.mint({ scope: 'read:messages', sub: 'user-7' })
    const secretQuery = `secret=${crypto.randomUUID()}`
    const requests: [string, RequestInit & { token?: string }][] = [
      [`/api/private?${secretQuery}`, { token }],
      [`/api/private-scoped?${secretQuery}`, { token }],
      [`/api/private?access_token=${token}`, {}],
      [`/api/messages?${secretQuery}`, { method: 'POST', token, body: '{"text":"hi"}' }],
      [`/api/private?${secretQuery}`, { headers: { authorization: `Basic ${btoa('user:password')}` } }],
      [`/api/private/${token}`, { token }],
      [`/nope?${secretQuery}`, { token, headers: { 'x-request-id': token, traceparent: token } }],
      [`/api/public?${secretQuery}`, { token }],
    ]
    for (const [path, init] of requests) await send(app, path, init)

    const exported = spans().map((span) => ({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      links: span.links,
      status: span.status,
      resource: span.resource.attributes,
    }))
    expect(exported.length).toBe(requests.length * 2 - 3) // an auth span for each protected route reached
    const everything = [JSON.stringify(exported), lines.join(''), await metrics.render()].join('\n')
    for (const part of token.split('.')) expect(everything).not.toContain(part)
    expect(everything).not.toContain(secretQuery)
    expect(everything).not.toContain(btoa('user:password'))
    expect(everything.toLowerCase()).not.toContain('authorization')
    expect(everything.toLowerCase()).not.toContain('bearer')
    expect(everything).not.toContain('?')
  })
})
