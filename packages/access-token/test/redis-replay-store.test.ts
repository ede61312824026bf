import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createManualClock, hasRedisServer, type RedisServer, startRedisServer } from '@repo/testing'
import {
  createRedisReplayStore,
  type RedisConnection,
  type RedisReplayStoreEvent,
  ReplayStoreUnavailableError,
} from '../src/index.ts'

// The fail-closed rules with a scripted connection (time is a manual clock), then the real thing against a
// redis-server on a Unix socket when one is installed.

/** A connection whose next `connect` and `send` outcomes the test decides. */
function scriptedConnection() {
  const calls: string[] = []
  const connection = {
    connected: false,
    connect: async () => {
      calls.push('connect')
      await connection.onConnect()
      connection.connected = true
    },
    send: async (command: string, args: string[]) => {
      calls.push(`${command} ${args.join(' ')}`)
      return connection.onSend()
    },
    close: () => {
      calls.push('close')
    },
    onConnect: async (): Promise<void> => {},
    onSend: async (): Promise<unknown> => 'OK',
  }
  return { connection: connection as RedisConnection & typeof connection, calls }
}

describe('createRedisReplayStore: the rules', () => {
  test('SET key 1 NX PX ttl under the prefix; OK is new, nil is a replay', async () => {
    const { connection, calls } = scriptedConnection()
    const store = createRedisReplayStore({ url: 'redis://unused', connection, keyPrefix: 'p:' })
    expect(await store.claimOnce('k', 1234.5)).toBe(true)
    connection.onSend = async () => null
    expect(await store.claimOnce('k', 1000)).toBe(false)
    expect(calls).toEqual(['connect', 'SET p:k 1 NX PX 1235', 'SET p:k 1 NX PX 1000'])
  })

  test('unreachable: 503-style refusal, then refused at once for the cooldown, then tried again', async () => {
    const clock = createManualClock()
    const { connection, calls } = scriptedConnection()
    connection.onConnect = async () => {
      throw new Error('ECONNREFUSED')
    }
    const events: RedisReplayStoreEvent[] = []
    const store = createRedisReplayStore({
      url: 'redis://unused',
      connection,
      clock,
      cooldownMs: 2000,
      onEvent: (event) => events.push(event),
    })
    const first = await store.claimOnce('a', 1000).catch((error: unknown) => error)
    expect(first).toBeInstanceOf(ReplayStoreUnavailableError)
    expect(first).toMatchObject({ reason: 'unreachable', retryAfterSeconds: 2, status: 503 })
    clock.advance(1500)
    await expect(store.claimOnce('a', 1000)).rejects.toMatchObject({ reason: 'unreachable', retryAfterSeconds: 1 })
    expect(calls).toEqual(['connect'])
    clock.advance(500)
    connection.onConnect = async () => {}
    expect(await store.claimOnce('a', 1000)).toBe(true)
    expect(calls).toEqual(['connect', 'connect', 'SET dpop:jti:a 1 NX PX 1000'])
    expect(events).toEqual([
      { type: 'replay_store_unavailable', reason: 'unreachable' },
      { type: 'replay_store_recovered' },
    ])
  })

  test('a Redis that does not answer in time: refused at the deadline (timeout), not waited for', async () => {
    const clock = createManualClock()
    const { connection } = scriptedConnection()
    connection.connected = true
    connection.onSend = () => new Promise(() => {})
    const store = createRedisReplayStore({ url: 'redis://unused', connection, clock, timeoutMs: 250 })
    const claim = store.claimOnce('a', 1000).catch((error: unknown) => error)
    clock.advance(249)
    clock.advance(1)
    expect(await claim).toMatchObject({ reason: 'timeout' })
    expect(clock.pendingTimers()).toBe(0)
  })

  test('a reply that is neither OK nor nil is not taken for an answer', async () => {
    const { connection } = scriptedConnection()
    connection.onSend = async () => 'QUEUED'
    const store = createRedisReplayStore({ url: 'redis://unused', connection })
    await expect(store.claimOnce('a', 1000)).rejects.toBeInstanceOf(ReplayStoreUnavailableError)
  })

  test('close: the connection is closed and later claims are refused', async () => {
    const { connection, calls } = scriptedConnection()
    const store = createRedisReplayStore({ url: 'redis://unused', connection })
    store.close()
    await expect(store.claimOnce('a', 1000)).rejects.toMatchObject({ reason: 'closed' })
    expect(calls).toEqual(['close'])
  })
})

const available = hasRedisServer()
if (!available) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1 but redis-server is not installed')
  console.log(
    'redis-server not installed (apt-get install redis-server): the real-Redis replay store tests are skipped',
  )
}

describe.skipIf(!available)('createRedisReplayStore: a real Redis', () => {
  let redis: RedisServer & { restart(): Promise<void> }
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(() => redis.close())

  test('a key is claimed once, with its TTL set in Redis', async () => {
    const store = createRedisReplayStore({ url: redis.url })
    const key = crypto.randomUUID()
    expect(await store.claimOnce(key, 60_000)).toBe(true)
    expect(await store.claimOnce(key, 60_000)).toBe(false)
    const probe = new Bun.RedisClient(redis.url)
    const ttl = Number(await probe.send('PTTL', [`dpop:jti:${key}`]))
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
    probe.close()
    store.close()
  })

  test('two stores (two replicas) racing on one key: exactly one wins', async () => {
    const one = createRedisReplayStore({ url: redis.url })
    const two = createRedisReplayStore({ url: redis.url })
    const key = crypto.randomUUID()
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).claimOnce(key, 60_000)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    one.close()
    two.close()
  })

  test('Redis stops: refused (fail closed); Redis is back: accepted after the cooldown', async () => {
    const clock = createManualClock(Date.now())
    const store = createRedisReplayStore({ url: redis.url, clock, cooldownMs: 1000 })
    expect(await store.claimOnce(crypto.randomUUID(), 60_000)).toBe(true)
    await redis.stop()
    await expect(store.claimOnce(crypto.randomUUID(), 60_000)).rejects.toBeInstanceOf(ReplayStoreUnavailableError)
    await redis.restart()
    await expect(store.claimOnce(crypto.randomUUID(), 60_000)).rejects.toMatchObject({ reason: 'unreachable' })
    clock.advance(1000)
    expect(await store.claimOnce(crypto.randomUUID(), 60_000)).toBe(true)
    store.close()
  })

  test('no Redis at all at that address: refused at once', async () => {
    const store = createRedisReplayStore({ url: `redis+unix://${redis.socketPath}.missing` })
    await expect(store.claimOnce('a', 1000)).rejects.toMatchObject({ reason: 'unreachable', status: 503 })
    store.close()
  })
})
