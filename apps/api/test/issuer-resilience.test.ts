import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { createJsonLogger } from '../src/logger.ts'
import { audience, createTestApi, request } from './helpers.ts'

let issuer: IssuerStub
let clock: number
const now = () => clock

beforeEach(async () => {
  issuer = await startIssuerStub({ audience })
  clock = Date.now()
})
afterEach(() => issuer.close())

describe('discovery through HTTP', () => {
  test('a discovery issuer that differs from the configured one: not ready, one clear log line, 503', async () => {
    issuer.discoveryIssuer = 'https://elsewhere.example/'
    const lines: string[] = []
    const { app, runtime } = createTestApi(issuer, { now, logger: createJsonLogger((line) => lines.push(line)) })
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
    const result = await request(app, '/api/private', {
      token: await issuer.mint({ iss: 'https://elsewhere.example/' }),
    })
    expect(result.status).toBe(503)
    runtime.keySet.stop()
  })
})

describe('key rotation through HTTP', () => {
  test('a token signed with a newly published key is accepted without restart', async () => {
    const { app } = createTestApi(issuer, { now })
    expect((await request(app, '/api/private', { token: await issuer.mint() })).status).toBe(200)
    await issuer.rotate({ replace: true })
    clock += 31_000
    expect((await request(app, '/api/private', { token: await issuer.mint() })).status).toBe(200)
    expect(issuer.jwksRequests).toBe(2)
  })
})

describe('issuer outage through HTTP', () => {
  test('503 with Retry-After while the issuer is down, then recovery without restart', async () => {
    issuer.mode = 'http_500'
    const { app, runtime } = createTestApi(issuer, { now })
    const token = await issuer.mint()
    await runtime.keySet.refresh()

    const ready = await request(app, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ status: 'not_ready', reason: 'not_loaded: http_status' })

    const down = await request(app, '/api/private', { token })
    expect(down.status).toBe(503)
    expect(down.challenge).toBeNull()
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(down.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The token issuer answered with an error; try again later',
    })

    issuer.mode = 'ok'
    clock += 2_000
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect((await request(app, '/readyz')).status).toBe(200)
  })

  test('a hanging issuer: the answer still comes within the fetch deadline', async () => {
    issuer.mode = 'hang'
    const { app } = createTestApi(issuer, { now })
    const started = performance.now()
    const result = await request(app, '/api/private', { token: await issuer.mint() })
    expect(result.status).toBe(503)
    expect(performance.now() - started).toBeLessThan(3_000)
  })

  test('after the keys were loaded, an outage keeps known keys working (stale-if-error)', async () => {
    const { app } = createTestApi(issuer, { now })
    const token = await issuer.mint({ exp: Math.floor(clock / 1000) + 7200 })
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    issuer.mode = 'http_500'
    clock += 11 * 60_000
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect((await request(app, '/readyz')).status).toBe(200)
  })
})
