import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createManualClock, type IssuerStub, startIssuerStub } from '@repo/testing'
import type { Logger } from '../src/logger.ts'
import { createTokenEndpoint, type TokenEndpointOptions } from '../src/token-endpoint.ts'

let issuer: IssuerStub
beforeAll(async () => {
  issuer = await startIssuerStub()
})
afterAll(() => issuer.close())
afterEach(() => issuer.reset())

function setUp(options: Partial<TokenEndpointOptions> = {}) {
  const clock = createManualClock()
  const warnings: { event: string; fields: Record<string, unknown> | undefined }[] = []
  const logger: Logger = { info() {}, error() {}, warn: (event, fields) => warnings.push({ event, fields }) }
  const endpoint = createTokenEndpoint({
    source: { discoveryBaseUrl: issuer.baseUrl },
    transport: { insecureHosts: [] },
    timeoutMs: 2_000,
    retryAfterMs: 30_000,
    logger,
    clock,
    ...options,
  })
  return { endpoint, clock, warnings }
}

describe('createTokenEndpoint', () => {
  test('Auth0 (an issuer given with its keys): https://<domain>/oauth/token at once, nothing fetched', async () => {
    const { endpoint } = setUp({
      source: { issuer: 'https://tenant.example.com/', jwksUri: 'https://tenant.example.com/.well-known/jwks.json' },
      fetch: (() => Promise.reject(new Error('no fetch expected'))) as unknown as typeof fetch,
    })
    expect(await endpoint.resolve()).toBe('https://tenant.example.com/oauth/token')
  })

  test("a discovered issuer: the document's token_endpoint, fetched once on first use (not at creation)", async () => {
    const { endpoint } = setUp()
    expect(issuer.discoveryRequests).toBe(0)
    const [first, second] = await Promise.all([endpoint.resolve(), endpoint.resolve()])
    expect(first).toBe(`${issuer.baseUrl}/oauth/token`)
    expect(second).toBe(first)
    expect(await endpoint.resolve()).toBe(first)
    expect(issuer.discoveryRequests).toBe(1)
  })

  test('issuer down: undefined, logged, not asked again until retryAfterMs has passed, then found', async () => {
    const { endpoint, clock, warnings } = setUp()
    issuer.mode = 'http_500'
    expect(await endpoint.resolve()).toBeUndefined()
    expect(warnings).toEqual([
      { event: 'docs_token_endpoint_unavailable', fields: { reason: 'http_status', retryInSeconds: 30 } },
    ])
    issuer.mode = 'ok'
    clock.advance(29_999)
    expect(await endpoint.resolve()).toBeUndefined()
    expect(issuer.discoveryRequests).toBe(1)
    clock.advance(1)
    expect(await endpoint.resolve()).toBe(`${issuer.baseUrl}/oauth/token`)
    expect(issuer.discoveryRequests).toBe(2)
  })

  test('a document without a usable token_endpoint: undefined, logged, retried like a failure', async () => {
    const { endpoint, clock, warnings } = setUp()
    issuer.discoveryExtra = { token_endpoint: 'http://elsewhere.example.invalid/token' }
    expect(await endpoint.resolve()).toBeUndefined()
    expect(warnings[0]?.fields).toMatchObject({ reason: 'no_token_endpoint' })
    issuer.discoveryExtra = {}
    clock.advance(30_000)
    expect(await endpoint.resolve()).toBe(`${issuer.baseUrl}/oauth/token`)
  })

  test('an alias moves a token URL on its FROM origin to its TO origin, and no other', async () => {
    const alias = { from: issuer.baseUrl, to: 'http://localhost:9000' }
    expect(await setUp({ alias }).endpoint.resolve()).toBe('http://localhost:9000/oauth/token')
    const other = { from: 'http://issuer:9000', to: 'http://localhost:9000' }
    expect(await setUp({ alias: other }).endpoint.resolve()).toBe(`${issuer.baseUrl}/oauth/token`)
    const auth0 = setUp({
      alias: other,
      source: { issuer: 'https://tenant.example.com/', jwksUri: 'https://tenant.example.com/.well-known/jwks.json' },
    })
    expect(await auth0.endpoint.resolve()).toBe('https://tenant.example.com/oauth/token')
  })
})
