import { describe, expect, test } from 'bun:test'
import { createMemoryAdapter } from '../src/memory-adapter.ts'

function clock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('createMemoryAdapter', () => {
  test('stores by model and id until the entry expires', async () => {
    const time = clock()
    const factory = createMemoryAdapter({ now: time.now })
    const replay = factory('ReplayDetection')
    await replay.upsert('a', { iss: 'client' }, 300)
    expect(await replay.find('a')).toEqual({ iss: 'client' })
    expect(await factory('Session').find('a')).toBeUndefined()
    time.advance(299_999)
    expect(await replay.find('a')).toEqual({ iss: 'client' })
    time.advance(1)
    expect(await replay.find('a')).toBeUndefined()
  })

  test('consume, destroy, revokeByGrantId, findByUid, findByUserCode', async () => {
    const time = clock()
    const adapter = createMemoryAdapter({ now: time.now })('DeviceCode')
    await adapter.upsert('a', { grantId: 'g1', uid: 'u1', userCode: 'c1' }, 60)
    await adapter.upsert('b', { grantId: 'g2' }, 60)
    expect(await adapter.findByUid('u1')).toMatchObject({ grantId: 'g1' })
    expect(await adapter.findByUserCode('c1')).toMatchObject({ grantId: 'g1' })
    await adapter.consume('a')
    expect(await adapter.find('a')).toMatchObject({ consumed: 1000 })
    await adapter.revokeByGrantId('g1')
    expect(await adapter.find('a')).toBeUndefined()
    await adapter.destroy('b')
    expect(await adapter.find('b')).toBeUndefined()
  })

  test('two providers do not share a store', async () => {
    await createMemoryAdapter()('ReplayDetection').upsert('a', {}, 60)
    expect(await createMemoryAdapter()('ReplayDetection').find('a')).toBeUndefined()
  })

  test('bounded: expired entries go first, then the oldest', async () => {
    const time = clock()
    const adapter = createMemoryAdapter({ now: time.now, maxEntries: 3 })('ReplayDetection')
    await adapter.upsert('short', {}, 1)
    await adapter.upsert('old', {}, 60)
    await adapter.upsert('mid', {}, 60)
    time.advance(1000)
    await adapter.upsert('new', {}, 60)
    expect(await adapter.find('old')).toEqual({})
    await adapter.upsert('newer', {}, 60)
    expect(await adapter.find('old')).toBeUndefined()
    for (const id of ['mid', 'new', 'newer']) expect(await adapter.find(id)).toEqual({})
  })
})
