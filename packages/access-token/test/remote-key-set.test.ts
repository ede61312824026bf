import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { generateTestKey, type IssuerStub, startIssuerStub } from '@repo/testing'
import {
  createAccessTokenVerifier,
  createRemoteKeySet,
  type IssuerUnavailableError,
  type KeySetEvent,
  type RemoteKeySetOptions,
} from '../src/index.ts'

const audience = 'https://api.example.test'
let issuer: IssuerStub
let clock: number
let events: KeySetEvent[]

beforeEach(async () => {
  issuer = await startIssuerStub({ audience })
  clock = 1_000_000
  events = []
})
afterEach(() => issuer.close())

function setup(options: Partial<RemoteKeySetOptions> = {}) {
  const keys = createRemoteKeySet({
    source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
    timeoutMs: 300,
    autoRefresh: false,
    now: () => clock,
    onEvent: (event) => events.push(event),
    ...options,
  })
  const verifier = createAccessTokenVerifier({ keys, audience })
  return { keys, verifier }
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    const e = error as IssuerUnavailableError
    return e.status === 503 ? `503:${e.reason}` : `${e.status}:${(e as { reason?: string }).reason}`
  }
}

describe('createRemoteKeySet: caching', () => {
  test('fetches once for many verifications, and once for concurrent first requests', async () => {
    const { verifier } = setup()
    const token = await issuer.mint()
    await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)))
    for (let i = 0; i < 20; i += 1) await verifier.verify(token)
    expect(issuer.jwksRequests).toBe(1)
  })

  test('honours Cache-Control max-age within bounds and refreshes in the background once stale', async () => {
    issuer.cacheControl = 'public, max-age=120'
    const { verifier, keys } = setup()
    const token = await issuer.mint()
    await verifier.verify(token)
    clock += 119_000
    await verifier.verify(token)
    expect(issuer.jwksRequests).toBe(1)
    clock += 2_000
    expect(keys.health().state).toBe('stale')
    await verifier.verify(token) // answered from the stale set while the refresh runs
    await Bun.sleep(50)
    expect(issuer.jwksRequests).toBe(2)
    expect(keys.health().state).toBe('fresh')
  })

  test('clamps a tiny max-age to the lower bound', async () => {
    issuer.cacheControl = 'max-age=1'
    const { verifier } = setup()
    const token = await issuer.mint()
    await verifier.verify(token)
    clock += 30_000
    await verifier.verify(token)
    expect(issuer.jwksRequests).toBe(1)
  })
})

describe('createRemoteKeySet: rotation', () => {
  test('a new kid is picked up by one refetch, and logged as a rotation', async () => {
    const { verifier } = setup()
    await verifier.verify(await issuer.mint())
    const next = await issuer.rotate()
    clock += 31_000
    await expect(verifier.verify(await issuer.mint())).resolves.toBeDefined()
    expect(issuer.jwksRequests).toBe(2)
    expect(events.find((e) => e.type === 'jwks_rotated')).toMatchObject({ added: [next.kid], removed: [] })
  })

  test('a rotation right after a fetch is picked up too (first unknown kid refetches)', async () => {
    const { verifier } = setup()
    await verifier.verify(await issuer.mint())
    await issuer.rotate({ replace: true })
    clock += 31_000
    await expect(verifier.verify(await issuer.mint())).resolves.toBeDefined()
  })

  test('a flood of random kids costs at most one fetch per cooldown window', async () => {
    const { verifier } = setup()
    await verifier.verify(await issuer.mint())
    const strangers = await Promise.all(Array.from({ length: 5 }, (_, i) => generateTestKey('RS256', `random-${i}`)))
    for (let round = 0; round < 3; round += 1) {
      clock += 10_000
      for (const key of strangers) {
        expect(await outcome(verifier.verify(await issuer.mint({}, { key })))).toBe('401:unknown_key')
      }
    }
    // 30 s elapsed across the rounds: the initial fetch plus one for the first unknown kid at most.
    expect(issuer.jwksRequests).toBeLessThanOrEqual(2)
  })
})

describe('createRemoteKeySet: outages', () => {
  test('issuer down at start: 503 with Retry-After, then recovery without restart', async () => {
    issuer.mode = 'http_500'
    const { verifier, keys } = setup()
    const token = await issuer.mint()
    const first = await verifier.verify(token).catch((e: IssuerUnavailableError) => e)
    expect(first).toMatchObject({ status: 503, reason: 'http_status' })
    expect((first as IssuerUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(keys.health()).toMatchObject({ ready: false, state: 'not_loaded', lastFailure: 'http_status' })
    // Within the backoff no new fetch is made: the answer is immediate.
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
    expect(issuer.jwksRequests).toBe(1)
    issuer.mode = 'ok'
    clock += 1_500
    expect(await outcome(verifier.verify(token))).toBe('ok')
    expect(keys.health()).toMatchObject({ ready: true, state: 'fresh', lastFailure: null })
  })

  test('backoff doubles between failed attempts', async () => {
    issuer.mode = 'http_500'
    const { verifier } = setup()
    const token = await issuer.mint()
    for (const wait of [1_000, 2_000, 4_000]) {
      await outcome(verifier.verify(token))
      clock += wait - 1
      await outcome(verifier.verify(token))
      clock += 1
    }
    expect(issuer.jwksRequests).toBe(3)
  })

  test('a hanging issuer is given up on at the deadline', async () => {
    issuer.mode = 'hang'
    const { verifier } = setup({ timeoutMs: 200 })
    const started = performance.now()
    expect(await outcome(verifier.verify(await issuer.mint()))).toBe('503:timeout')
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  test('a refused connection is a 503, not a 401', async () => {
    const { port } = new URL(issuer.baseUrl)
    await issuer.close()
    const { verifier } = setup({ source: { issuer: issuer.issuer, jwksUri: `http://127.0.0.1:${port}/jwks` } })
    expect(await outcome(verifier.verify(await issuer.mint()))).toBe('503:network')
  })

  test('garbage, an empty key set and HMAC-only keys are the issuer’s fault', async () => {
    for (const mode of ['garbage', 'empty_keys'] as const) {
      issuer.mode = mode
      const { verifier } = setup()
      expect(await outcome(verifier.verify(await issuer.mint()))).toBe('503:invalid_response')
    }
    issuer.mode = 'ok'
    issuer.keys = [{ ...issuer.signingKey, publicJwk: { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' } }]
    const { verifier } = setup()
    expect(await outcome(verifier.verify(await issuer.mint()))).toBe('503:invalid_response')
  })

  test('stale-if-error: keeps verifying with the last good keys for the window, then 503', async () => {
    const { verifier, keys } = setup({ staleIfErrorMs: 3_600_000 })
    const token = await issuer.mint({ exp: Math.floor(Date.now() / 1000) + 7200 })
    await verifier.verify(token)
    issuer.mode = 'http_500'
    clock += 600_000 + 1_000 // past the default 10 min freshness
    expect(await outcome(verifier.verify(token))).toBe('ok')
    await Bun.sleep(20)
    expect(keys.health()).toMatchObject({ ready: true, state: 'stale', lastFailure: 'http_status' })
    clock += 3_600_000
    expect(keys.health()).toMatchObject({ ready: false, state: 'expired' })
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
    expect(events.some((e) => e.type === 'jwks_fetch_failed' && e.servingStaleKeys)).toBe(true)
  })

  test('an unknown kid while the issuer is failing is a 503 (the key may be new)', async () => {
    const { verifier } = setup()
    await verifier.verify(await issuer.mint())
    issuer.mode = 'http_500'
    const stranger = await generateTestKey('RS256', 'new-key')
    const token = await issuer.mint({}, { key: stranger })
    // Within the cooldown after a good fetch, the kid is simply unknown.
    expect(await outcome(verifier.verify(token))).toBe('401:unknown_key')
    clock += 31_000
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
    expect(await outcome(verifier.verify(token))).toBe('503:http_status')
    expect(issuer.jwksRequests).toBe(2)
  })
})

describe('createRemoteKeySet: refresh timer', () => {
  test('after a failure at start, retries on its own once the backoff allows, with no request', async () => {
    issuer.mode = 'http_500'
    const keys = createRemoteKeySet({
      source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
      timeoutMs: 300,
      onEvent: (event) => events.push(event),
    })
    try {
      expect((await keys.refresh()).ready).toBe(false)
      issuer.mode = 'ok'
      await Bun.sleep(1_300) // the first backoff is one second
      expect(keys.health()).toMatchObject({ ready: true, state: 'fresh' })
      expect(issuer.jwksRequests).toBe(2)
    } finally {
      keys.stop()
    }
  })

  test('without the timer, nothing is fetched until asked', async () => {
    issuer.mode = 'http_500'
    const { keys } = setup()
    await keys.refresh()
    issuer.mode = 'ok'
    clock += 5_000
    await Bun.sleep(50)
    expect(keys.health().ready).toBe(false)
    expect(issuer.jwksRequests).toBe(1)
  })
})

describe('createRemoteKeySet: discovery', () => {
  test('discovers issuer and jwks_uri from the base URL', async () => {
    const { verifier, keys } = setup({ source: { discoveryBaseUrl: issuer.baseUrl } })
    expect(await outcome(verifier.verify(await issuer.mint()))).toBe('ok')
    expect(await keys.issuer()).toBe(issuer.issuer)
    expect(issuer.discoveryRequests).toBe(1)
  })

  test('a discovery issuer that differs from the base URL is never trusted', async () => {
    issuer.discoveryIssuer = 'https://evil.example/'
    const { verifier, keys } = setup({ source: { discoveryBaseUrl: issuer.baseUrl } })
    expect(await outcome(verifier.verify(await issuer.mint({ iss: 'https://evil.example/' })))).toBe(
      '503:issuer_mismatch',
    )
    const health = await keys.refresh()
    expect(health).toMatchObject({ ready: false, lastFailure: 'issuer_mismatch' })
    expect(events.find((e) => e.type === 'jwks_fetch_failed')).toMatchObject({ reason: 'issuer_mismatch' })
  })

  test('rejects bad options when created', () => {
    expect(() => setup({ timeoutMs: -1 })).toThrow('"timeoutMs"')
    expect(() => setup({ maxAgeBoundsMs: [10, 5] })).toThrow('"maxAgeBoundsMs"')
  })
})
