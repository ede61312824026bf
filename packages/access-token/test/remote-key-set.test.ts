import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createManualClock, generateTestKey, type IssuerStub, type ManualClock, startIssuerStub } from '@repo/testing'
import {
  createAccessTokenVerifier,
  createRemoteKeySet,
  type KeySetEvent,
  type RemoteKeySet,
  type RemoteKeySetOptions,
} from '../src/index.ts'

const audience = 'https://api.example.test'
let issuer: IssuerStub
let clock: ManualClock
let events: ReturnType<typeof recordEvents>
const opened: RemoteKeySet[] = []

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(() => issuer.close())
beforeEach(() => {
  issuer.reset()
  clock = createManualClock(Date.now())
  events = recordEvents()
})
afterEach(() => {
  for (const keys of opened.splice(0)) keys.close()
})

/** Every event, and a way to await the next one of a type (a timer's fetch, say) instead of sleeping. */
function recordEvents() {
  const all: KeySetEvent[] = []
  const waiting: { type: KeySetEvent['type']; resolve: (event: KeySetEvent) => void }[] = []
  return {
    all,
    listener(event: KeySetEvent) {
      all.push(event)
      for (const waiter of waiting.filter((w) => w.type === event.type)) {
        waiting.splice(waiting.indexOf(waiter), 1)
        waiter.resolve(event)
      }
    },
    next: (type: KeySetEvent['type']) => new Promise<KeySetEvent>((resolve) => waiting.push({ type, resolve })),
  }
}

function setup(options: Partial<RemoteKeySetOptions> = {}) {
  const keys = createRemoteKeySet({
    source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
    timeoutMs: 2_000,
    clock,
    onEvent: events.listener,
    ...options,
  })
  opened.push(keys)
  // The verifier reads the same manual time as the key set.
  const verifier = createAccessTokenVerifier({ keys, audience, now: () => clock.now() })
  return { keys, verifier }
}

const mint = (claims: Record<string, unknown> = {}, options = {}) => {
  const iat = Math.floor(clock.now() / 1000)
  return issuer.mint({ iat, exp: iat + 7 * 24 * 3600, ...claims }, options)
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    const { status, reason } = error as { status?: number; reason?: string }
    if (status === undefined) throw error
    return `${status}:${reason}`
  }
}

describe('caching', () => {
  test('one fetch for many verifications, and one for concurrent first requests', async () => {
    const { verifier } = setup()
    const token = await mint()
    await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)))
    for (let i = 0; i < 20; i += 1) await verifier.verify(token)
    expect(issuer.jwksRequests).toBe(1)
  })

  test('Cache-Control max-age sets the freshness; a stale set is served while it refreshes in the background', async () => {
    issuer.cacheControl = 'public, max-age=120'
    const { verifier, keys } = setup({ autoRefresh: false })
    const token = await mint()
    await verifier.verify(token)
    clock.advance(119_000)
    expect(keys.health().state).toBe('fresh')
    clock.advance(2_000)
    expect(keys.health().state).toBe('stale')
    const refreshed = events.next('jwks_fetched')
    expect(await outcome(verifier.verify(token))).toBe('ok') // answered from the stale set
    await refreshed
    expect(issuer.jwksRequests).toBe(2)
    expect(keys.health().state).toBe('fresh')
  })

  test('keysNow: the keys at hand without waiting, or undefined wherever keysFor must decide', async () => {
    issuer.cacheControl = 'max-age=120'
    const { keys } = setup({ autoRefresh: false, staleIfErrorMs: 60_000 })
    const kid = issuer.keys[0]?.kid
    expect(keys.keysNow('RS256', kid)).toBeUndefined() // nothing held: keysFor fetches
    expect(issuer.jwksRequests).toBe(0)
    await keys.refresh()
    expect(keys.keysNow('RS256', kid)).toMatchObject({ issuer: issuer.issuer, candidates: [{ kid }] })
    expect(keys.keysNow('RS256', 'not-published')).toBeUndefined() // keysFor's refetch rules decide
    issuer.mode = 'http_500'
    clock.advance(121_000)
    const failed = events.next('jwks_fetch_failed')
    expect(keys.keysNow('RS256', kid)?.candidates).toHaveLength(1) // stale: served, and a refresh started
    await failed
    expect(issuer.jwksRequests).toBe(2)
    clock.advance(120_000)
    expect(keys.keysNow('RS256', kid)).toBeUndefined() // past the stale-if-error window: never served
    keys.close()
    expect(keys.keysNow('RS256', kid)).toBeUndefined()
  })

  test('max-age is clamped to [60 s, 24 h]; no-store counts as the lower bound, not as the default', async () => {
    for (const [cacheControl, freshForSeconds] of [
      ['max-age=1', 60],
      ['no-store', 60],
      ['no-cache, private', 60],
      ['max-age=9999999', 86_400],
      [undefined, 600],
    ] as const) {
      issuer.cacheControl = cacheControl
      const fetched = events.next('jwks_fetched')
      await setup({ autoRefresh: false }).keys.refresh()
      expect({ cacheControl, fresh: ((await fetched) as { freshForSeconds: number }).freshForSeconds }).toEqual({
        cacheControl,
        fresh: freshForSeconds,
      })
    }
  })
})

describe('the refresh timer', () => {
  test('refreshes when the keys turn stale, with no request', async () => {
    issuer.cacheControl = 'max-age=300'
    const { keys } = setup()
    await keys.refresh()
    const rotated = await issuer.rotate()
    const refreshed = events.next('jwks_fetched')
    clock.advance(300_000)
    expect(await refreshed).toMatchObject({ type: 'jwks_fetched', kids: [issuer.keys[0]?.kid, rotated.kid] })
    expect(keys.health().state).toBe('fresh')
  })

  test('after a failure at start, retries on its own once the backoff allows', async () => {
    issuer.mode = 'http_500'
    const { keys } = setup()
    expect((await keys.refresh()).ready).toBe(false)
    issuer.mode = 'ok'
    const fetched = events.next('jwks_fetched')
    clock.advance(999)
    expect(issuer.jwksRequests).toBe(1)
    clock.advance(1) // the first backoff is one second
    await fetched
    expect(keys.health()).toMatchObject({ ready: true, state: 'fresh', lastFailure: null })
  })

  test('without the timer, nothing is fetched until asked', async () => {
    issuer.mode = 'http_500'
    const { keys } = setup({ autoRefresh: false })
    await keys.refresh()
    issuer.mode = 'ok'
    clock.advance(60_000)
    expect(clock.pendingTimers()).toBe(0)
    expect(keys.health().ready).toBe(false)
    expect(issuer.jwksRequests).toBe(1)
  })
})

describe('close()', () => {
  test('stops the timer, and a fetch in flight neither re-arms it nor changes the state', async () => {
    const { keys } = setup()
    await keys.refresh()
    expect(clock.pendingTimers()).toBe(1)
    issuer.mode = 'hang'
    const requested = issuer.nextRequest()
    clock.advance(600_000) // stale: the timer starts a fetch, which hangs
    await requested
    keys.close()
    expect(clock.pendingTimers()).toBe(0)
    expect(keys.health().state).toBe('closed')
    issuer.mode = 'ok'
    issuer.releaseHanging() // a good answer after close() must not bring the key set back
    await keys.refresh() // refuses at once (closed) and starts nothing
    // Lets the promise reactions close() set off run to the end (microtasks only; no time passes).
    await new Promise((resolve) => setImmediate(resolve))
    expect(issuer.jwksRequests).toBe(2)
    expect(clock.pendingTimers()).toBe(0) // the aborted fetch's failure armed no retry
    expect(keys.health().state).toBe('closed')
    clock.advance(3_600_000)
    expect(clock.pendingTimers()).toBe(0)
    expect(keys.health()).toMatchObject({ ready: false, state: 'closed' })
  })

  test('held keys keep verifying during a drain, and nothing is fetched any more', async () => {
    const { keys, verifier } = setup()
    const token = await mint()
    await verifier.verify(token)
    keys.close()
    expect(await outcome(verifier.verify(token))).toBe('ok')
    const stranger = await generateTestKey('RS256', 'after-close')
    expect(await outcome(verifier.verify(await mint({}, { key: stranger })))).toBe('401:unknown_key')
    clock.advance(600_000 + 3_600_000)
    expect(await outcome(verifier.verify(token))).toBe('503:closed')
    expect(issuer.jwksRequests).toBe(1)
  })
})

describe('rotation and unknown kids', () => {
  test('a key published just after a timer refresh is picked up by the first token that needs it', async () => {
    issuer.cacheControl = 'max-age=60'
    const { verifier } = setup()
    await verifier.verify(await mint())
    const refreshed = events.next('jwks_fetched')
    clock.advance(60_000)
    await refreshed
    const next = await issuer.rotate()
    // Seconds after the timer's fetch: that fetch does not count against the unknown-kid cooldown.
    clock.advance(1_000)
    expect(await outcome(verifier.verify(await mint()))).toBe('ok')
    expect(issuer.jwksRequests).toBe(3)
    expect(events.all.find((e) => e.type === 'jwks_rotated')).toMatchObject({ added: [next.kid], removed: [] })
  })

  test('an unknown kid refetches once; a flood of made-up kids costs one fetch per cooldown', async () => {
    const { verifier } = setup()
    await verifier.verify(await mint())
    const strangers = await Promise.all(Array.from({ length: 5 }, (_, i) => generateTestKey('RS256', `random-${i}`)))
    for (const key of strangers) expect(await outcome(verifier.verify(await mint({}, { key })))).toBe('401:unknown_key')
    expect(issuer.jwksRequests).toBe(2) // the first unknown kid refetched; the rest were within the cooldown
    clock.advance(29_999)
    for (const key of strangers) await outcome(verifier.verify(await mint({}, { key })))
    expect(issuer.jwksRequests).toBe(2)
    clock.advance(1)
    for (const key of strangers) await outcome(verifier.verify(await mint({}, { key })))
    expect(issuer.jwksRequests).toBe(3)
  })

  test('an unknown kid while the issuer is failing is a 503 (the key may be new)', async () => {
    const { verifier } = setup()
    await verifier.verify(await mint())
    issuer.mode = 'http_500'
    const token = await mint({}, { key: await generateTestKey('RS256', 'new-key') })
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
    expect(await outcome(verifier.verify(token))).toBe('503:http_status') // backing off: no second fetch
    expect(issuer.jwksRequests).toBe(2)
  })
})

describe('outages', () => {
  test('issuer down at start: 503 with Retry-After, then recovery without restart', async () => {
    issuer.mode = 'http_500'
    const { verifier, keys } = setup({ autoRefresh: false })
    const token = await mint()
    const first = await verifier.verify(token).catch((error: unknown) => error)
    expect(first).toMatchObject({ status: 503, reason: 'http_status', retryAfterSeconds: 1 })
    expect(keys.health()).toMatchObject({ ready: false, state: 'not_loaded', lastFailure: 'http_status' })
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
    expect(issuer.jwksRequests).toBe(1)
    issuer.mode = 'ok'
    clock.advance(1_000)
    expect(await outcome(verifier.verify(token))).toBe('ok')
    expect(keys.health()).toMatchObject({ ready: true, state: 'fresh', lastFailure: null })
  })

  test('backoff doubles between failed attempts, up to the maximum', async () => {
    issuer.mode = 'http_500'
    const { keys } = setup({ autoRefresh: false, maxBackoffMs: 4_000 })
    for (const wait of [1_000, 2_000, 4_000, 4_000]) {
      await keys.refresh()
      clock.advance(wait - 1)
      await keys.refresh()
      clock.advance(1)
    }
    expect(issuer.jwksRequests).toBe(4)
  })

  test('a hanging issuer is given up on at the deadline', async () => {
    issuer.mode = 'hang'
    const { verifier } = setup({ timeoutMs: 5_000 })
    const token = await mint()
    const requested = issuer.nextRequest()
    const answer = outcome(verifier.verify(token))
    await requested
    clock.advance(5_000)
    expect(await answer).toBe('503:timeout')
  })

  test('a refused connection is a 503, not a 401', async () => {
    // A port that was just served and closed: nothing listens there.
    const gone = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const port = gone.port
    await gone.stop(true)
    const token = await mint()
    const { verifier } = setup({ source: { issuer: issuer.issuer, jwksUri: `http://127.0.0.1:${port}/jwks` } })
    expect(await outcome(verifier.verify(token))).toBe('503:network')
  })

  test('garbage, an empty key set and HMAC-only keys are the issuer’s fault', async () => {
    for (const mode of ['garbage', 'empty_keys'] as const) {
      issuer.mode = mode
      expect(await outcome(setup().verifier.verify(await mint()))).toBe('503:invalid_response')
    }
    issuer.mode = 'ok'
    issuer.keys = [{ ...issuer.signingKey, publicJwk: { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' } }]
    expect(await outcome(setup().verifier.verify(await mint()))).toBe('503:invalid_response')
  })

  test('a redirect is refused, not followed', async () => {
    issuer.mode = 'redirect'
    expect(await outcome(setup().verifier.verify(await mint()))).toBe('503:network')
    expect(issuer.jwksRequests).toBe(1) // the redirect target was never asked
  })

  test('stale-if-error: keeps verifying with the last good keys for the window, then 503', async () => {
    const { verifier, keys } = setup({ autoRefresh: false, staleIfErrorMs: 3_600_000 })
    const token = await mint()
    await verifier.verify(token)
    issuer.mode = 'http_500'
    clock.advance(600_000) // past the default 10 min freshness
    const failed = events.next('jwks_fetch_failed')
    expect(await outcome(verifier.verify(token))).toBe('ok')
    expect(await failed).toMatchObject({ reason: 'http_status', servingStaleKeys: true })
    expect(keys.health()).toMatchObject({ ready: true, state: 'stale', lastFailure: 'http_status' })
    clock.advance(3_600_000)
    expect(keys.health()).toMatchObject({ ready: false, state: 'expired' })
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
  })
})

describe('listeners', () => {
  test('a listener that throws changes no verdict and no state', async () => {
    const { verifier, keys } = setup({
      onEvent: () => {
        throw new TypeError('broken log sink')
      },
    })
    expect(await outcome(verifier.verify(await mint()))).toBe('ok')
    expect(keys.health().state).toBe('fresh')
    await issuer.rotate({ replace: true })
    expect(await outcome(verifier.verify(await mint()))).toBe('ok') // fetched + rotated events thrown away
  })

  test('values from the issuer are bounded in events: kids listed up to 20, each cut short', async () => {
    issuer.keys = await Promise.all(
      Array.from({ length: 25 }, (_, i) => generateTestKey('ES256', `${'k'.repeat(100)}-${i}`)),
    )
    const fetched = events.next('jwks_fetched')
    await setup().keys.refresh()
    const event = (await fetched) as Extract<KeySetEvent, { type: 'jwks_fetched' }>
    expect(event.keys).toBe(25)
    expect(event.kids).toHaveLength(21)
    expect(event.kids.at(-1)).toBe('…(5 more)')
    expect(Math.max(...event.kids.map((kid) => kid.length))).toBeLessThan(100)
  })
})

describe('options', () => {
  test('rejects bad options when created', () => {
    expect(() => setup({ timeoutMs: -1 })).toThrow('"timeoutMs"')
    expect(() => setup({ maxAgeBoundsMs: [10, 5] })).toThrow('"maxAgeBoundsMs"')
  })
})
