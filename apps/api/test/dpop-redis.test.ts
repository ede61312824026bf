import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type DpopTestKey,
  generateDpopKey,
  hasRedisServer,
  type IssuerStub,
  type RedisServer,
  signDpopProof,
  startIssuerStub,
  startRedisServer,
} from '@repo/testing'
import { createJsonLogger } from '../src/logger.ts'
import { audience, closeTestApis, createTestApi } from './helpers.ts'

// REDIS_URL through the production wiring: replicas sharing one Redis refuse each other's replays, and an
// unreachable Redis fails closed (503), not open.

const URL_PRIVATE = 'http://localhost/api/private'
let issuer: IssuerStub
let key: DpopTestKey
const empty = mkdtempSync(join(tmpdir(), 'no-redis-'))

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
  key = await generateDpopKey('ES256')
})
afterAll(async () => {
  closeTestApis()
  await issuer.close()
  rmSync(empty, { recursive: true, force: true })
})

async function dpopRequest(app: { handle(request: Request): Promise<Response> }, token: string, proof: string) {
  return app.handle(new Request(URL_PRIVATE, { headers: { authorization: `DPoP ${token}`, dpop: proof } }))
}

const boundToken = () => issuer.mint({ cnf: { jkt: key.thumbprint } })
const proofFor = (token: string) => signDpopProof(key, { htm: 'GET', htu: URL_PRIVATE, accessToken: token })

describe('Redis unreachable (REDIS_URL names no server)', () => {
  test('DPoP requests: 503 with Retry-After and no challenge, logged once; Bearer requests go on', async () => {
    const lines: string[] = []
    const { app } = createTestApi(issuer, {
      env: { REDIS_URL: `redis+unix://${join(empty, 'missing.sock')}` },
      logger: createJsonLogger((line) => lines.push(line)),
    })
    const token = await boundToken()
    for (let i = 0; i < 3; i += 1) {
      const answer = await dpopRequest(app, token, await proofFor(token))
      expect(answer.status).toBe(503)
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(answer.headers.get('www-authenticate')).toBeNull()
      expect(answer.headers.get('cache-control')).toBe('no-store')
      expect(await answer.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'DPoP proofs cannot be checked right now; try again later',
      })
    }
    const events = lines.map((line) => JSON.parse(line) as { event: string; level: string })
    expect(events.filter((event) => event.event === 'replay_store_unavailable')).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'unreachable' }),
    ])
    expect(lines.join('\n')).not.toContain('missing.sock')
    const plain = await issuer.mint({})
    const bearer = await app.handle(new Request(URL_PRIVATE, { headers: { authorization: `Bearer ${plain}` } }))
    expect(bearer.status).toBe(200)
  })
})

const available = hasRedisServer()
if (!available) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1 but redis-server is not installed')
  console.log('redis-server not installed (apt-get install redis-server): the two-replica Redis test is skipped')
}

describe.skipIf(!available)('two app instances over one Redis', () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(() => redis.close())

  test('a proof accepted by one is refused by the other; a fresh proof is accepted by either', async () => {
    const first = createTestApi(issuer, { env: { REDIS_URL: redis.url } })
    const second = createTestApi(issuer, { env: { REDIS_URL: redis.url } })
    const token = await boundToken()
    const proof = await proofFor(token)
    expect((await dpopRequest(first.app, token, proof)).status).toBe(200)
    const replayed = await dpopRequest(second.app, token, proof)
    expect(replayed.status).toBe(401)
    expect(((await replayed.json()) as { error_description: string }).error_description).toBe(
      'The DPoP proof has already been used',
    )
    expect((await dpopRequest(second.app, token, await proofFor(token))).status).toBe(200)
  })

  test('the same proof sent to both at once: exactly one is accepted', async () => {
    const first = createTestApi(issuer, { env: { REDIS_URL: redis.url } })
    const second = createTestApi(issuer, { env: { REDIS_URL: redis.url } })
    const token = await boundToken()
    const proof = await proofFor(token)
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => dpopRequest(i % 2 === 0 ? first.app : second.app, token, proof)),
    ).then((answers) => answers.map((answer) => answer.status))
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.filter((status) => status === 401)).toHaveLength(9)
  })
})
