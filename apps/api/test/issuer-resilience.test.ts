import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createManualClock, type IssuerStub, type ManualClock, startIssuerStub } from '@repo/testing'
import { createJsonLogger } from '../src/logger.ts'
import { audience, closeTestApis, createTestApi, request } from './helpers.ts'

// The key set's rules are tested in packages/access-token; these prove the wiring through HTTP.
let issuer: IssuerStub
let clock: ManualClock

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(() => issuer.close())
beforeEach(() => {
  issuer.reset()
  clock = createManualClock(Date.now())
})
afterEach(() => {
  closeTestApis()
})

const mint = (claims: Record<string, unknown> = {}) =>
  issuer.mint({ iat: Math.floor(clock.now() / 1000), exp: Math.floor(clock.now() / 1000) + 7200, ...claims })

describe('discovery through HTTP', () => {
  test('a discovery issuer that differs from the configured one: not ready, one clear log line, 503', async () => {
    issuer.discoveryIssuer = 'https://elsewhere.example/'
    const lines: string[] = []
    const { app, runtime } = createTestApi(issuer, { clock, logger: createJsonLogger((line) => lines.push(line)) })
    await runtime.keySet.refresh()
    const ready = await request(app, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ status: 'not_ready', reason: 'not_loaded: issuer_mismatch' })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      event: 'jwks_fetch_failed',
      reason: 'issuer_mismatch',
      detail: `discovery document issuer "https://elsewhere.example/" does not match the configured "${issuer.baseUrl}"`,
    })
    expect(
      (await request(app, '/api/private', { token: await mint({ iss: 'https://elsewhere.example/' }) })).status,
    ).toBe(503)
  })
})

describe('key rotation through HTTP', () => {
  test('a token signed with a newly published key is accepted at once, with one refetch', async () => {
    const { app } = createTestApi(issuer, { clock })
    expect((await request(app, '/api/private', { token: await mint() })).status).toBe(200)
    await issuer.rotate({ replace: true })
    expect((await request(app, '/api/private', { token: await mint() })).status).toBe(200)
    expect(issuer.jwksRequests).toBe(2)
  })
})

describe('issuer outage through HTTP', () => {
  test('503 with Retry-After while the issuer is down, then recovery without restart', async () => {
    issuer.mode = 'http_500'
    const { app, runtime } = createTestApi(issuer, { clock })
    const token = await mint()
    await runtime.keySet.refresh()
    const ready = await request(app, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ status: 'not_ready', reason: 'not_loaded: http_status' })
    const down = await request(app, '/api/private', { token })
    expect(down.status).toBe(503)
    expect(down.challenge).toBeNull()
    expect(down.headers.get('retry-after')).toBe('1')
    expect(down.headers.get('cache-control')).toBe('no-store')
    expect(down.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The token issuer answered with an error; try again later',
    })
    issuer.mode = 'ok'
    clock.advance(1_000)
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect((await request(app, '/readyz')).status).toBe(200)
  })

  test('a hanging issuer: the answer comes at the fetch deadline', async () => {
    issuer.mode = 'hang'
    const { app } = createTestApi(issuer, { clock })
    const token = await mint()
    const requested = issuer.nextRequest()
    const answer = request(app, '/api/private', { token })
    await requested
    clock.advance(300) // AUTH0_JWKS_TIMEOUT_MS in the test wiring
    expect((await answer).status).toBe(503)
  })

  test('after the keys were loaded, an outage keeps known keys working (stale-if-error)', async () => {
    const { app } = createTestApi(issuer, { clock })
    const token = await mint()
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    issuer.mode = 'http_500'
    clock.advance(11 * 60_000)
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect((await request(app, '/readyz')).status).toBe(200)
  })
})
