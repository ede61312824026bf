import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import type { TokenCacheEvent, TokenCacheEvictionCause } from '@repo/access-token'
import { createManualClock, type IssuerStub, type ManualClock, startIssuerStub } from '@repo/testing'
import { audience, closeTestApis, createTestApi, request } from './helpers.ts'
import { createObservedApi, send } from './observed-api.ts'

// The verified-token cache's eviction rules through HTTP, with the production wiring and a clock the test moves.
// Each rule's details are tested in packages/access-token/test/token-cache.test.ts.
let issuer: IssuerStub
let clock: ManualClock
let events: TokenCacheEvent[]

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(() => issuer.close())
beforeEach(() => {
  issuer.reset()
  clock = createManualClock(Date.now())
  events = []
})
afterEach(() => {
  closeTestApis()
})

const seconds = () => Math.floor(clock.now() / 1000)
const mint = (claims: Record<string, unknown> = {}) =>
  issuer.mint({ iat: seconds(), exp: seconds() + 7200, scope: 'read:messages', ...claims })

function api(env: Record<string, string> = {}) {
  return createTestApi(issuer, { clock, env, onTokenCacheEvent: (event) => events.push(event) })
}

/** Two requests: the cache stores a token on its second verification. */
async function warm(app: ReturnType<typeof api>['app'], token: string) {
  for (let i = 0; i < 2; i += 1) expect((await request(app, '/api/private', { token })).status).toBe(200)
}

const lookups = () => events.filter((event) => event.type !== 'evicted').map((event) => event.type)
const evictions = (): TokenCacheEvictionCause[] =>
  events.flatMap((event) => (event.type === 'evicted' ? [event.cause] : []))

describe('the verified-token cache through HTTP', () => {
  test('a repeated token is stored on its second request; scope checks still run on every request', async () => {
    const { app } = api()
    const token = await mint({ scope: 'read:messages' })
    await warm(app, token)
    expect((await request(app, '/api/private-scoped', { token })).status).toBe(200)
    const write = await request(app, '/api/messages', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    })
    expect(write.status).toBe(403)
    expect(write.challenge).toContain('error="insufficient_scope"')
    expect(lookups()).toEqual(['miss', 'miss', 'hit', 'hit'])
  })

  test('expiry while cached: the first request after exp (plus the tolerance) is refused as expired', async () => {
    const { app } = api({ AUTH0_TOKEN_CACHE_MAX_SECONDS: '3600' })
    const token = await mint({ exp: seconds() + 30 })
    await warm(app, token)
    clock.advance(30_000)
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    clock.advance(5_000)
    const expired = await request(app, '/api/private', { token })
    expect(expired.status).toBe(401)
    expect(expired.challenge).toStartWith(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
    expect(evictions()).toEqual(['expired'])
  })

  test('a key removed at rotation takes its tokens out of the cache: 401, while the new key verifies', async () => {
    const { app, runtime } = api()
    const old = await mint()
    await warm(app, old)
    await issuer.rotate({ replace: true })
    await runtime.keySet.refresh()
    const refused = await request(app, '/api/private', { token: old })
    expect(refused.status).toBe(401)
    expect(refused.challenge).toContain('error_description="The access token is signed with an unknown key"')
    expect(evictions()).toEqual(['key_retired'])
    expect((await request(app, '/api/private', { token: await mint() })).status).toBe(200)
  })

  test('an issuer outage: cached tokens serve through the stale window, then 503 like any other', async () => {
    const { app } = api({ AUTH0_JWKS_STALE_IF_ERROR_SECONDS: '60', AUTH0_TOKEN_CACHE_MAX_SECONDS: '3600' })
    const token = await mint()
    await warm(app, token)
    issuer.mode = 'http_500'
    clock.advance(630_000) // fresh for 600 s (no Cache-Control), then stale
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect(lookups()).toEqual(['miss', 'miss', 'hit'])
    clock.advance(31_000) // past the 60 s stale-if-error window
    const down = await request(app, '/api/private', { token })
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).not.toBeNull()
    expect(evictions()).toEqual(['key_retired'])
  })

  test('capacity: AUTH0_TOKEN_CACHE_SIZE entries at most, the least recently used out first', async () => {
    const { app } = api({ AUTH0_TOKEN_CACHE_SIZE: '2' })
    const [a, b, c] = await Promise.all([mint({ jti: 'a' }), mint({ jti: 'b' }), mint({ jti: 'c' })])
    for (const token of [a, b, c]) await warm(app, token)
    expect(evictions()).toEqual(['capacity'])
    events.length = 0
    expect((await request(app, '/api/private', { token: c })).status).toBe(200)
    expect((await request(app, '/api/private', { token: b })).status).toBe(200)
    expect((await request(app, '/api/private', { token: a })).status).toBe(200)
    expect(lookups()).toEqual(['hit', 'hit', 'miss'])
  })

  test('AUTH0_TOKEN_CACHE_SIZE=0 turns it off', async () => {
    const { app, runtime } = api({ AUTH0_TOKEN_CACHE_SIZE: '0' })
    const token = await mint()
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect((await request(app, '/api/private', { token })).status).toBe(200)
    expect(runtime.tokenCache).toBeUndefined()
    expect(events).toEqual([])
  })

  test('its hits, misses and evictions are counted on /metrics', async () => {
    const { app, runtime } = createObservedApi(issuer)
    try {
      const token = await mint()
      for (let i = 0; i < 3; i += 1) expect((await send(app, '/api/private', { token })).status).toBe(200)
      const text = await (await send(app, '/metrics')).text()
      const value = (name: string) => Number(new RegExp(`^api_${name} (\\S+)$`, 'm').exec(text)?.[1])
      expect(value('token_cache_misses_total')).toBe(2)
      expect(value('token_cache_hits_total')).toBe(1)
      expect(value('token_cache_evictions_total')).toBe(0)
    } finally {
      runtime.close()
    }
  })
})
