import { describe, expect, test } from 'bun:test'
import { createManualClock } from '@repo/testing'
import { createMemoryReplayStore, ReplayStoreUnavailableError } from '../src/index.ts'

describe('createMemoryReplayStore', () => {
  test('a key is claimed once while it lives, and again once it has expired', async () => {
    const clock = createManualClock()
    const store = createMemoryReplayStore({ clock })
    expect(await store.claimOnce('a', 1000)).toBe(true)
    expect(await store.claimOnce('a', 1000)).toBe(false)
    expect(await store.claimOnce('b', 1000)).toBe(true)
    clock.advance(999)
    expect(await store.claimOnce('a', 1000)).toBe(false)
    clock.advance(1)
    expect(await store.claimOnce('a', 1000)).toBe(true)
  })

  test('concurrent claims of one key: exactly one wins', async () => {
    const store = createMemoryReplayStore()
    const results = await Promise.all(Array.from({ length: 50 }, () => store.claimOnce('race', 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  test('full: refuses new keys (503) rather than forget live ones; a replay is still caught', async () => {
    const clock = createManualClock()
    const store = createMemoryReplayStore({ clock, maxEntries: 3, retryAfterSeconds: 2 })
    for (const key of ['a', 'b', 'c']) expect(await store.claimOnce(key, 10_000)).toBe(true)
    const refusal = await store.claimOnce('d', 10_000).catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(ReplayStoreUnavailableError)
    expect(refusal).toMatchObject({ reason: 'full', retryAfterSeconds: 2, status: 503 })
    expect(await store.claimOnce('a', 10_000)).toBe(false)
  })

  test('full of expired keys: they are swept and the claim succeeds, even behind a live key', async () => {
    const clock = createManualClock()
    const store = createMemoryReplayStore({ clock, maxEntries: 3 })
    await store.claimOnce('long', 60_000)
    await store.claimOnce('short-1', 1000)
    await store.claimOnce('short-2', 1000)
    clock.advance(1000)
    expect(await store.claimOnce('new', 1000)).toBe(true)
    expect(await store.claimOnce('long', 1000)).toBe(false)
  })

  test('expired keys at the oldest end are dropped as claims go by, so the store does not fill up', async () => {
    const clock = createManualClock()
    const store = createMemoryReplayStore({ clock, maxEntries: 10 })
    for (let i = 0; i < 1000; i += 1) {
      expect(await store.claimOnce(`k${i}`, 5)).toBe(true)
      clock.advance(1)
    }
  })

  test('after close: every claim is refused', async () => {
    const store = createMemoryReplayStore()
    store.close()
    await expect(store.claimOnce('a', 1000)).rejects.toMatchObject({ reason: 'closed' })
  })

  test('refuses a bad size', () => {
    expect(() => createMemoryReplayStore({ maxEntries: 0 })).toThrow('"maxEntries"')
  })
})
