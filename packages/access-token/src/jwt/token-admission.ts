/**
 * Admission to the token cache: a token is stored the second time it is verified within a while, not the first
 * (the "doorkeeper" of TinyLFU). Traffic in which tokens are not seen again soon (a flood of single-use tokens, or
 * more distinct clients than the cache holds) then stores nothing, instead of pushing out one entry per request:
 * storing on first sight cost 2 to 2.5 µs per request on such traffic, mostly in collecting entries that had
 * outlived the young generation (measured in-process, docs/performance.md). A client that sends its token again is
 * served from the cache from its third request on.
 *
 * The table is direct-mapped: one 32-bit tag per slot, mixed from the last 16 characters of the token (the end of
 * its signature: random for a verified token). A collision, or a slot taken over by another token, only moves the
 * moment a verified principal is stored; it never decides what is served, so a short non-cryptographic mix is
 * enough here.
 */

/** Whether to store the token with this cache key (its identity) now. */
export type Admission = (cacheKey: string) => boolean

const MIN_SLOTS = 1024
const MAX_SLOTS = 1 << 20

/** FNV-1a over 8 characters from `from` (characters past the end count as 0). */
function mix(key: string, from: number): number {
  let h = 0x811c9dc5
  for (let i = from; i < from + 8; i += 1) h = Math.imul(h ^ (key.charCodeAt(i) || 0), 0x01000193)
  return h >>> 0
}

/** A doorkeeper with four slots per cache entry (between 1,024 and 1,048,576 slots, 4 bytes each). */
export function createAdmission(maxEntries: number): Admission {
  let slots = MIN_SLOTS
  while (slots < maxEntries * 4 && slots < MAX_SLOTS) slots *= 2
  const tags = new Uint32Array(slots)
  const mask = slots - 1
  return function admit(cacheKey) {
    const end = Math.max(0, cacheKey.length - 16)
    const slot = mix(cacheKey, end) & mask
    // Never 0: 0 marks an empty slot.
    const tag = (mix(cacheKey, end + 8) | 1) >>> 0
    if (tags[slot] === tag) {
      tags[slot] = 0
      return true
    }
    tags[slot] = tag
    return false
  }
}
