/**
 * The verified-token cache (as Envoy's `jwt_authn` has): a bounded LRU from a token's identity to the principal its
 * verification produced, so that a client sending the same token again costs a lookup instead of a signature check.
 *
 * What may be served, and when an entry goes (each rule has a test through HTTP and one here):
 * - only principals of tokens that passed every check are stored; refusals never are; and a token is stored on its
 *   second verification within a while, not its first (`token-admission.ts`);
 * - the key is the token's identity itself (`tokenIdentity`: the whole text, an ECDSA signature in its low-S
 *   form), compared in full: never a hash short enough for an attacker to search for a collision;
 * - `max_age`: an entry serves at most `maxAgeSeconds` after it was stored;
 * - `key_retired`: an entry goes as soon as the key that verified it is no longer current (its `kid` left the key
 *   set, or the key set is served past its stale-if-error window), checked on every hit;
 * - `expired`: the clock-dependent claims (`exp`, `nbf`, maximum age, a future `iat`) are checked again on every
 *   hit; the first hit at which one fails removes the entry and the request is verified in full (and refused);
 * - `capacity`: at most `maxEntries` entries and `maxEntries` KiB of token text, least recently used out first.
 * Scope, permission and custom checks are not the cache's: they run on every request, after it.
 */
import type { PublishedKey } from '../jwks/published-keys.ts'
import { createAdmission } from './token-admission.ts'
import type { AccessTokenPrincipal } from './verify-access-token.ts'

export type TokenCacheEvictionCause = 'expired' | 'max_age' | 'key_retired' | 'capacity'

/** One lookup's outcome, or one entry leaving: for metrics. Never carries a token or a claim. */
export type TokenCacheEvent =
  | { readonly type: 'hit' }
  | { readonly type: 'miss' }
  | { readonly type: 'evicted'; readonly cause: TokenCacheEvictionCause }

export type TokenCacheListener = (event: TokenCacheEvent) => void

export interface TokenCacheOptions {
  /**
   * Most entries held; 0 turns the cache off. The cache also holds at most this many KiB of token text.
   * @default 1000
   */
  readonly maxEntries?: number
  /**
   * Longest an entry serves, whatever the token's `exp`.
   * @default 60
   */
  readonly maxAgeSeconds?: number
  /** Called for every hit, miss and eviction (for metrics); a listener that throws changes nothing. */
  readonly onEvent?: TokenCacheListener
}

export interface TokenCacheStats {
  readonly hits: number
  readonly misses: number
  readonly evictions: Readonly<Record<TokenCacheEvictionCause, number>>
  readonly entries: number
  readonly maxEntries: number
  /** Token text charged to the entries held, in characters (at most `maxEntries` × 1,024). */
  readonly tokenChars: number
}

/** What outside code may see of a cache: counters, for metrics. */
export interface TokenCacheView {
  stats(): TokenCacheStats
}

/** The verifier's side: the rules only it can judge, about keys and claims. */
export interface TokenCacheRules {
  /** Whether the key that verified an entry may still be used. */
  isCurrent(key: PublishedKey): boolean
  /** Whether the principal's clock-dependent claims still hold at `nowMs`. */
  stillValid(principal: AccessTokenPrincipal, nowMs: number): boolean
}

export interface TokenCache extends TokenCacheView {
  /** The principal cached under `identity` (`tokenIdentity`) if every rule still allows serving it; evicts it otherwise. */
  get(identity: string, nowMs: number): AccessTokenPrincipal | undefined
  /** `get`, except that not finding a principal is not counted as a miss: for a caller that asks `get` next. */
  lookup(identity: string, nowMs: number): AccessTokenPrincipal | undefined
  /** Stores a verified principal if admitted (seen before); `weight` is the length of its token. */
  set(
    identity: string,
    entry: { principal: AccessTokenPrincipal; key: PublishedKey },
    nowMs: number,
    weight: number,
  ): void
}

// One frozen object per event: nothing is allocated per request to report it.
const HIT: TokenCacheEvent = Object.freeze({ type: 'hit' })
const MISS: TokenCacheEvent = Object.freeze({ type: 'miss' })
const EVICTED: Readonly<Record<TokenCacheEvictionCause, TokenCacheEvent>> = Object.freeze({
  expired: Object.freeze({ type: 'evicted', cause: 'expired' }),
  max_age: Object.freeze({ type: 'evicted', cause: 'max_age' }),
  key_retired: Object.freeze({ type: 'evicted', cause: 'key_retired' }),
  capacity: Object.freeze({ type: 'evicted', cause: 'capacity' }),
})

export const DEFAULT_TOKEN_CACHE_ENTRIES = 1000
export const DEFAULT_TOKEN_CACHE_MAX_AGE_SECONDS = 60
/** Token text allowed per entry, on average: a typical access token is under 1 KiB. */
const CHARS_PER_ENTRY = 1024

// Matched on the text itself, not a digest, so only the very same token can match: hashing it first (SHA-256,
// 0.5 µs) was a third of a hit's cost. The price is that the entries hold the token text, which the KiB budget
// bounds, for at most `maxAgeSeconds`.
//
// The Map's key is the identity's last characters (the end of its signature), and a found entry serves only when
// its whole identity equals the one asked for: a Map hashes every character of a key it has not seen, and a new
// request's 800-character token cost about 0.4 µs to hash, most of a lookup. Two verified tokens whose signatures
// end alike would share a slot (the later replaces the earlier); the issuer's key makes those 192 bits collide
// only by chance, and a token nobody signed never gets stored to take a slot over.
const SLOT_KEY_LENGTH = 32
const slotOf = (identity: string): string =>
  identity.length <= SLOT_KEY_LENGTH ? identity : identity.slice(identity.length - SLOT_KEY_LENGTH)

interface Entry {
  /** The token's identity, compared in full on every lookup. */
  readonly identity: string
  /** The Map key the entry is stored under (`slotOf`): the very string that was stored, reused on every hit. */
  readonly slot: string
  readonly principal: AccessTokenPrincipal
  readonly key: PublishedKey
  readonly storedAt: number
  readonly weight: number
}

function checkOptions(options: TokenCacheOptions): { maxEntries: number; maxAgeMs: number } {
  const maxEntries = options.maxEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES
  if (!Number.isInteger(maxEntries) || maxEntries < 0) {
    throw new TypeError('"maxEntries" option must be a non-negative integer')
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_TOKEN_CACHE_MAX_AGE_SECONDS
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw new TypeError('"maxAgeSeconds" option must be a positive number')
  }
  return { maxEntries, maxAgeMs: maxAgeSeconds * 1000 }
}

/** Creates the cache, or returns undefined when `maxEntries` is 0 (caching off). */
export function createTokenCache(options: TokenCacheOptions, rules: TokenCacheRules): TokenCache | undefined {
  const { maxEntries, maxAgeMs } = checkOptions(options)
  if (maxEntries === 0) return undefined
  const maxChars = maxEntries * CHARS_PER_ENTRY
  const admit = createAdmission(maxEntries)
  const listener = options.onEvent
  // By slot (`slotOf`). A Map iterates in insertion order: re-inserting on every hit keeps the least recently used
  // first.
  const entries = new Map<string, Entry>()
  const evictions: Record<TokenCacheEvictionCause, number> = { expired: 0, max_age: 0, key_retired: 0, capacity: 0 }
  let hits = 0
  let misses = 0
  let chars = 0

  function emit(event: TokenCacheEvent): void {
    if (listener === undefined) return
    try {
      listener(event)
    } catch {
      // Deliberately ignored: a metrics sink must not turn a valid token into a failure.
    }
  }

  function remove(slot: string, entry: Entry, cause: TokenCacheEvictionCause): void {
    entries.delete(slot)
    chars -= entry.weight
    evictions[cause] += 1
    emit(EVICTED[cause])
  }

  function miss(): undefined {
    misses += 1
    emit(MISS)
    return undefined
  }

  /** The entry's principal if it may be served (a hit), or undefined (an entry that may not is evicted). */
  function find(identity: string, nowMs: number): AccessTokenPrincipal | undefined {
    const slot = slotOf(identity)
    const entry = entries.get(slot)
    // Another token in the slot is not this one's entry: neither served nor touched.
    if (entry === undefined || entry.identity !== identity) return undefined
    // A clock that stepped back would otherwise stretch the maximum age.
    const cause: TokenCacheEvictionCause | undefined =
      nowMs - entry.storedAt >= maxAgeMs || nowMs < entry.storedAt
        ? 'max_age'
        : !rules.isCurrent(entry.key)
          ? 'key_retired'
          : !rules.stillValid(entry.principal, nowMs)
            ? 'expired'
            : undefined
    if (cause !== undefined) {
      remove(slot, entry, cause)
      return undefined
    }
    // Re-inserted under the slot string it was stored with, not this request's: a new key string held by a
    // long-lived Map outlives the young generation, and at 40k hits a second that was about 15 MB of RSS the collector
    // lagged behind on (the 500-token scenario of `bun run bench`).
    entries.delete(slot)
    entries.set(entry.slot, entry)
    hits += 1
    emit(HIT)
    return entry.principal
  }

  return {
    get: (identity, nowMs) => find(identity, nowMs) ?? miss(),
    lookup: find,
    set(identity, { principal, key }, nowMs, weight) {
      if (weight > maxChars) return
      const slot = slotOf(identity)
      const previous = entries.get(slot)
      // Two requests with one token verified at once: the later result replaces the earlier, uncounted.
      const again = previous !== undefined && previous.identity === identity
      if (!again && !admit(identity)) return
      if (again) {
        entries.delete(slot)
        chars -= previous.weight
      } else if (previous !== undefined) remove(slot, previous, 'capacity')
      entries.set(slot, { identity, slot, principal, key, storedAt: nowMs, weight })
      chars += weight
      while (entries.size > maxEntries || chars > maxChars) {
        const [oldest, entry] = entries.entries().next().value as [string, Entry]
        remove(oldest, entry, 'capacity')
      }
    },
    stats: () => ({
      hits,
      misses,
      evictions: { ...evictions },
      entries: entries.size,
      maxEntries,
      tokenChars: chars,
    }),
  }
}
