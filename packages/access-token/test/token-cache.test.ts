import { beforeAll, describe, expect, test } from 'bun:test'
import { generateTestKey, signToken, type TestKey } from '@repo/testing'
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  createLocalKeys,
  InvalidTokenError,
  type IssuerKeys,
  type TokenCacheEvent,
} from '../src/index.ts'
import type { PublishedKey } from '../src/jwks/published-keys.ts'
import { tokenIdentity } from '../src/jwt/ecdsa-signature.ts'
import { createTokenCache } from '../src/jwt/token-cache.ts'
import type { AccessTokenPrincipal } from '../src/jwt/verify-access-token.ts'

// The cache's rules, over an in-memory key set whose "current" answer and lookups a test controls, and a clock that
// only moves when told. The same rules are proven through HTTP in apps/api/test/token-cache.test.ts.
const issuer = 'https://issuer.example.test/'
const audience = 'https://api.example.test'
const START = 1_700_000_000_000
let key: TestKey

beforeAll(async () => {
  key = await generateTestKey('RS256')
})

interface Harness {
  verifier: AccessTokenVerifier
  events: TokenCacheEvent[]
  /** Key lookups so far: a hit asks for none. */
  lookups: () => number
  advance(ms: number): void
  nowSeconds(): number
  retireKeys(): void
}

function createHarness(options: Partial<AccessTokenVerifierOptions> = {}, keys: readonly TestKey[] = [key]): Harness {
  let now = START
  let lookups = 0
  let current = true
  const local = createLocalKeys({ issuer, jwks: { keys: keys.map((k) => k.publicJwk) } })
  const source: IssuerKeys = {
    issuer: local.issuer,
    keysFor: (alg, kid) => {
      lookups += 1
      return local.keysFor(alg, kid)
    },
    isCurrent: () => current,
  }
  const events: TokenCacheEvent[] = []
  const verifier = createAccessTokenVerifier({
    keys: source,
    audience,
    now: () => now,
    ...options,
    cache: { onEvent: (event) => events.push(event), ...options.cache },
  })
  return {
    verifier,
    events,
    lookups: () => lookups,
    advance: (ms) => {
      now += ms
    },
    nowSeconds: () => Math.floor(now / 1000),
    retireKeys: () => {
      current = false
    },
  }
}

function mint(claims: Record<string, unknown> = {}, signer = key): Promise<string> {
  const now = Math.floor(START / 1000)
  return signToken(signer, { iss: issuer, aud: audience, iat: now, exp: now + 3600, ...claims })
}

async function reasonOf(verifier: AccessTokenVerifier, token: string): Promise<string> {
  return verifier.verify(token).then(
    () => 'accepted',
    (error: unknown) => (error instanceof InvalidTokenError ? error.reason : String(error)),
  )
}

/** Verifies a token twice, so that it is stored (the cache admits a token on its second verification). */
async function store(verifier: AccessTokenVerifier, token: string) {
  await verifier.verify(token)
  return verifier.verify(token)
}

const evictions = (events: readonly TokenCacheEvent[]) =>
  events.flatMap((event) => (event.type === 'evicted' ? [event.cause] : []))

// Both lookups: before parsing (no ECDSA allowed: the identity is the text) and after the header (ECDSA allowed).
const modes = [
  ['RS256 only: looked up before parsing', ['RS256']],
  ['ECDSA allowed: looked up after the header', ['RS256', 'ES256']],
] as const

describe.each(modes)('%s', (_, algorithms) => {
  const harness = (options: Partial<AccessTokenVerifierOptions> = {}, keys?: readonly TestKey[]) =>
    createHarness({ algorithms: [...algorithms], ...options }, keys)

  describe('what is cached', () => {
    test('a repeated token is stored on its second verification; later requests are hits that ask for no keys', async () => {
      const h = harness()
      const token = await mint()
      await h.verifier.verify(token)
      expect(h.verifier.cache?.stats()).toMatchObject({ entries: 0 })
      const stored = await h.verifier.verify(token)
      expect(await h.verifier.verify(token)).toBe(stored)
      expect(await h.verifier.verify(token)).toBe(stored)
      expect(h.lookups()).toBe(2)
      expect(h.verifier.cache?.stats()).toMatchObject({ hits: 2, misses: 2, entries: 1 })
      expect(h.events.map((event) => event.type)).toEqual(['miss', 'miss', 'hit', 'hit'])
    })

    test('tokens seen once are never stored: a stream of new tokens pushes nothing out', async () => {
      const h = harness({ cache: { maxEntries: 2 } })
      const kept = await mint({ jti: 'kept' })
      await store(h.verifier, kept)
      const others = await Promise.all(Array.from({ length: 20 }, (_, i) => mint({ jti: `once-${i}` })))
      for (const token of others) await h.verifier.verify(token)
      expect(evictions(h.events)).toEqual([])
      expect(h.verifier.cache?.stats()).toMatchObject({ entries: 1 })
      const before = h.lookups()
      await h.verifier.verify(kept)
      expect(h.lookups()).toBe(before)
    })

    test('refused tokens are never stored: each one is verified again', async () => {
      const impostor = await generateTestKey('RS256', key.kid)
      const h = harness()
      const forged = await mint({}, impostor)
      const expired = await mint({ exp: h.nowSeconds() - 60 })
      for (let i = 0; i < 3; i += 1) {
        expect(await reasonOf(h.verifier, forged)).toBe('signature')
        expect(await reasonOf(h.verifier, expired)).toBe('expired')
      }
      expect(h.lookups()).toBe(6)
      expect(h.verifier.cache?.stats()).toMatchObject({ hits: 0, entries: 0 })
    })

    test('maxEntries 0 turns the cache off', async () => {
      const h = harness({ cache: { maxEntries: 0 } })
      const token = await mint()
      await h.verifier.verify(token)
      await h.verifier.verify(token)
      expect(h.verifier.cache).toBeUndefined()
      expect(h.lookups()).toBe(2)
    })

    test('a cached principal is read-only: a handler cannot grant the next request a scope', async () => {
      const h = harness()
      const token = await mint({ scope: 'read:messages', permissions: ['read:admin'], nested: { list: [1] } })
      const principal = await store(h.verifier, token)
      expect(() => (principal.scopes as Set<string>).add('write:messages')).toThrow(TypeError)
      expect(() => (principal.permissions as Set<string>).add('write:admin')).toThrow(TypeError)
      expect(() => (principal.scopes as Set<string>).clear()).toThrow(TypeError)
      // Set.prototype's own methods, called on the principal's sets, reach no entries of theirs.
      expect(() => Set.prototype.add.call(principal.scopes, 'write:messages')).toThrow(TypeError)
      expect(() => Set.prototype.clear.call(principal.permissions)).toThrow(TypeError)
      expect(principal.scopes.union(new Set(['extra'])).has('extra')).toBe(true)
      expect(() => {
        ;(principal.claims as Record<string, unknown>).scope = 'admin'
      }).toThrow(TypeError)
      expect(() => (principal.claims.nested as { list: number[] }).list.push(2)).toThrow(TypeError)
      const again = await h.verifier.verify(token)
      expect([...again.scopes]).toEqual(['read:messages'])
      expect(again.scopes.has('extra')).toBe(false)
      expect([...again.permissions]).toEqual(['read:admin'])
    })
  })

  describe('the key', () => {
    test('covers the whole text: a token differing anywhere from a cached one is verified, not served', async () => {
      const h = harness()
      const token = await mint({ scope: 'read:messages' })
      await store(h.verifier, token)
      const [header, payload, signature] = token.split('.') as [string, string, string]
      const otherPayload = Buffer.from(JSON.stringify({ iss: issuer, aud: audience, exp: h.nowSeconds() + 60 }))
      const otherHeader = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid }))
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
      expect(await reasonOf(h.verifier, `${header}.${otherPayload.toString('base64url')}.${signature}`)).toBe(
        'signature',
      )
      expect(await reasonOf(h.verifier, `${otherHeader.toString('base64url')}.${payload}.${signature}`)).toBe(
        'signature',
      )
      expect(await reasonOf(h.verifier, `${header}.${payload}.${flipped}`)).toBe('signature')
      expect(h.verifier.cache?.stats()).toMatchObject({ hits: 0, misses: 5, entries: 1 })
    })
  })

  describe('eviction', () => {
    test('expired: exp is checked on every hit, and the entry goes with the first refusal', async () => {
      const h = harness({ cache: { maxAgeSeconds: 3600 } })
      const token = await mint({ exp: h.nowSeconds() + 30 })
      await store(h.verifier, token)
      h.advance(30_000) // exp passed, but within the 5 s tolerance
      expect(await reasonOf(h.verifier, token)).toBe('accepted')
      h.advance(5_000)
      expect(await reasonOf(h.verifier, token)).toBe('expired')
      expect(evictions(h.events)).toEqual(['expired'])
      expect(h.verifier.cache?.stats()).toMatchObject({ hits: 1, entries: 0 })
    })

    test('expired: the maximum token age, and nbf and iat if the clock steps back, are checked on every hit', async () => {
      const aged = harness({ maxTokenAgeSeconds: 60, cache: { maxAgeSeconds: 3600 } })
      const token = await mint()
      await store(aged.verifier, token)
      aged.advance(66_000) // 60 s of age plus the 5 s tolerance, passed
      expect(await reasonOf(aged.verifier, token)).toBe('too_old')
      expect(evictions(aged.events)).toEqual(['expired'])

      const h = harness({ cache: { maxAgeSeconds: 3600 } })
      const later = await mint({ nbf: h.nowSeconds() })
      await store(h.verifier, later)
      h.advance(-60_000)
      expect(await reasonOf(h.verifier, later)).toBe('not_yet_valid')
    })

    test('max_age: an entry serves at most maxAgeSeconds, then the token is verified again', async () => {
      const h = harness({ cache: { maxAgeSeconds: 60 } })
      const token = await mint()
      await store(h.verifier, token)
      h.advance(59_999)
      await h.verifier.verify(token)
      expect(h.lookups()).toBe(2)
      h.advance(1)
      await h.verifier.verify(token)
      expect(h.lookups()).toBe(3)
      expect(evictions(h.events)).toEqual(['max_age'])
    })

    test('key_retired: an entry goes once the key that verified it is no longer current', async () => {
      const h = harness()
      const token = await mint()
      await store(h.verifier, token)
      h.retireKeys()
      await h.verifier.verify(token)
      expect(evictions(h.events)).toEqual(['key_retired'])
      expect(h.lookups()).toBe(3)
    })

    test('capacity: at most maxEntries, least recently used out first', async () => {
      const h = harness({ cache: { maxEntries: 2 } })
      const [a, b, c] = await Promise.all([mint({ jti: 'a' }), mint({ jti: 'b' }), mint({ jti: 'c' })])
      await store(h.verifier, a)
      await store(h.verifier, b)
      await h.verifier.verify(a) // a is now the most recently used
      await store(h.verifier, c)
      expect(evictions(h.events)).toEqual(['capacity'])
      expect(h.verifier.cache?.stats()).toMatchObject({ entries: 2 })
      const before = h.lookups()
      await h.verifier.verify(a)
      await h.verifier.verify(c)
      expect(h.lookups()).toBe(before)
      await h.verifier.verify(b)
      expect(h.lookups()).toBe(before + 1)
    })

    test('capacity in bytes: at most maxEntries KiB of token text, and a larger token is never stored', async () => {
      const h = harness({ cache: { maxEntries: 2 } })
      const big = await mint({ filler: 'x'.repeat(900) })
      const bigger = await mint({ filler: 'y'.repeat(900) })
      expect(big.length).toBeGreaterThan(1024)
      await store(h.verifier, big)
      await store(h.verifier, bigger)
      expect(evictions(h.events)).toEqual(['capacity'])
      expect(h.verifier.cache?.stats()).toMatchObject({ entries: 1, tokenChars: bigger.length })
      const huge = await mint({ filler: 'z'.repeat(1700) })
      expect(huge.length).toBeGreaterThan(2048)
      await store(h.verifier, huge)
      expect(h.verifier.cache?.stats()).toMatchObject({ entries: 1, tokenChars: bigger.length })
    })
  })
})

describe('the key', () => {
  test('an ECDSA signature and its high-S twin share one entry', async () => {
    const es = await generateTestKey('ES256')
    const h = createHarness({ algorithms: ['ES256'] }, [es])
    const token = await mint({}, es)
    const identity = tokenIdentity(token, 'ES256')
    // The twin of whichever spelling the signer produced.
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
    const [head, payload, s] = token.split('.') as [string, string, string]
    const signature = Buffer.from(s, 'base64url')
    const other = (n - BigInt(`0x${signature.subarray(32).toString('hex')}`)).toString(16).padStart(64, '0')
    const twin = `${head}.${payload}.${Buffer.concat([signature.subarray(0, 32), Buffer.from(other, 'hex')]).toString('base64url')}`
    expect(tokenIdentity(twin, 'ES256')).toBe(identity)
    const first = await store(h.verifier, token)
    expect(await h.verifier.verify(twin)).toBe(first)
    expect(h.verifier.cache?.stats()).toMatchObject({ hits: 1, misses: 2, entries: 1 })
  })
})

describe('slots', () => {
  // The cache's Map is keyed by an identity's last 32 characters; these two end alike and differ before. Signed
  // tokens do not collide like this by chance, so the cache itself is driven with made-up identities.
  const tail = 'S'.repeat(40)
  const mine = `mine.${tail}`
  const theirs = `theirs.${tail}`
  const principalOf = (sub: string): AccessTokenPrincipal => ({
    claims: { iss: issuer, aud: audience, exp: 0, sub },
    scopes: new Set(),
    permissions: new Set(),
  })
  const signingKey = {} as PublishedKey
  const cacheOf = () => {
    const events: TokenCacheEvent[] = []
    const cache = createTokenCache(
      { maxEntries: 10, onEvent: (event) => events.push(event) },
      { isCurrent: () => true, stillValid: () => true },
    )
    if (cache === undefined) throw new Error('cache off')
    const put = (identity: string, principal: AccessTokenPrincipal) => {
      // Admitted on the second verification.
      cache.set(identity, { principal, key: signingKey }, START, identity.length)
      cache.set(identity, { principal, key: signingKey }, START, identity.length)
    }
    return { cache, events, put }
  }

  test('a token is served its own entry only, never the one it shares a slot with', () => {
    const { cache, put } = cacheOf()
    const principal = principalOf('me')
    put(mine, principal)
    expect(cache.get(theirs, START)).toBeUndefined()
    expect(cache.lookup(theirs, START)).toBeUndefined()
    // Nor was the entry disturbed by the stranger's lookups.
    expect(cache.get(mine, START)).toBe(principal)
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 })
  })

  test('a later token in the same slot replaces the earlier one, which is then a miss', () => {
    const { cache, events, put } = cacheOf()
    put(mine, principalOf('me'))
    const their = principalOf('them')
    put(theirs, their)
    expect(evictions(events)).toEqual(['capacity'])
    expect(cache.get(mine, START)).toBeUndefined()
    expect(cache.get(theirs, START)).toBe(their)
    expect(cache.stats()).toMatchObject({ entries: 1, tokenChars: theirs.length })
  })
})

describe('options and listeners', () => {
  test('bad options are refused when the verifier is created', () => {
    const keys = createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } })
    for (const maxEntries of [-1, 1.5, Number.NaN]) {
      expect(() => createAccessTokenVerifier({ keys, audience, cache: { maxEntries } })).toThrow('"maxEntries"')
    }
    for (const maxAgeSeconds of [0, -1, Number.POSITIVE_INFINITY]) {
      expect(() => createAccessTokenVerifier({ keys, audience, cache: { maxAgeSeconds } })).toThrow('"maxAgeSeconds"')
    }
  })

  test('a listener that throws changes no answer', async () => {
    const token = await mint()
    const verifier = createAccessTokenVerifier({
      keys: createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } }),
      audience,
      now: () => START,
      cache: {
        onEvent: () => {
          throw new Error('metrics sink down')
        },
      },
    })
    await store(verifier, token)
    await verifier.verify(token)
    expect(verifier.cache?.stats()).toMatchObject({ hits: 1, misses: 2 })
  })
})
