import { afterAll, expect, test } from 'bun:test'
import { createTracing } from '../src/observability/tracing.ts'
import { createObservedApi, send, useIssuerStub } from './observed-api.ts'

const ctx = useIssuerStub()
const received: { contentType: string | null; body: string }[] = []
// An OTLP/HTTP receiver stand-in on loopback: what the real exporter sends is what a collector would store.
const collector = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(request) {
    received.push({ contentType: request.headers.get('content-type'), body: await request.text() })
    return Response.json({})
  },
})
afterAll(() => collector.stop(true))

test('the OTLP/HTTP exporter sends the spans, and nothing of the token, the header or the query', async () => {
  const tracer = createTracing({ serviceName: 'api-export-test', url: `http://127.0.0.1:${collector.port}/v1/traces` })
  const api = createObservedApi(ctx.issuer, { tracer })
  const token = await ctx.issuer.mint({ scope: 'read:messages' })
  const secretQuery = `secret=${crypto.randomUUID()}`
  await send(api.app, `/api/private-scoped?${secretQuery}`, { token })
  await send(api.app, `/api/private?access_token=${token}`)
  api.runtime.keySet.close()
  await tracer.shutdown() // flushes the batch

  expect(received.length).toBeGreaterThan(0)
  expect(received[0]?.contentType).toStartWith('application/json')
  const sent = received.map(({ body }) => body).join('\n')
  expect(sent).toContain('GET /api/private-scoped')
  expect(sent).toContain('auth.outcome')
  expect(sent).toContain('api-export-test')
  for (const part of token.split('.')) expect(sent).not.toContain(part)
  expect(sent).not.toContain(secretQuery)
  expect(sent.toLowerCase()).not.toContain('authorization')
  expect(sent.toLowerCase()).not.toContain('bearer')
})
