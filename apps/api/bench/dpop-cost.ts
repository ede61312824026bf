// `bun run --cwd apps/api bench:dpop`: what DPoP adds to a request, in-process (no sockets between client and API),
// compared within one run. Proofs are signed before the clock starts (signing is the client's cost). The Redis
// figures need `redis-server` on the PATH: one is started on 127.0.0.1 and a free port, and stopped at the end.
// Not a test: it asserts nothing.
import {
  accessTokenHash,
  createMemoryReplayStore,
  createRedisReplayStore,
  DPOP_ALGORITHMS,
  type ReplayStore,
  requestHtu,
  verifyDpopProof,
} from '@repo/access-token'
import { generateDpopKey, hasRedisServer, signDpopProof, startIssuerStub } from '@repo/testing'
import { createTestApi } from '../test/helpers.ts'

const audience = 'https://api.example.test'
const n = Number(process.env.BENCH_ITERATIONS ?? 4000)
const url = 'http://localhost/api/private'
const issuer = await startIssuerStub({ audience })
const key = await generateDpopKey('ES256')
const bearerToken = await issuer.mint({ scope: 'read:messages' })
const boundToken = await issuer.mint({ scope: 'read:messages', cnf: { jkt: key.thumbprint } })

const proofs = (count: number) =>
  Promise.all(
    Array.from({ length: count }, () => signDpopProof(key, { htm: 'GET', htu: url, accessToken: boundToken })),
  )

async function measure(name: string, iterations: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < iterations; i += 1) await run(i)
  const micros = ((performance.now() - started) / iterations) * 1000
  console.log(
    `${name.padEnd(58)} ${Math.round(1e6 / micros)
      .toString()
      .padStart(7)} /s ${micros.toFixed(1).padStart(8)} µs`,
  )
  return micros
}

/** A redis-server on 127.0.0.1 and a port that was free a moment ago (a benchmark, not a test: the race is fine). */
async function startTcpRedis() {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = probe.port
  probe.stop(true)
  const proc = Bun.spawn(
    ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  let output = ''
  for await (const chunk of proc.stdout) {
    output += new TextDecoder().decode(chunk)
    if (/ready to accept connections/i.test(output)) break
  }
  void (async () => {
    for await (const _ of proc.stdout) {
      // drained
    }
  })()
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      proc.kill()
      return proc.exited
    },
  }
}

console.log(`bun ${Bun.version}, ${n} iterations each, in-process; RS256 access token, ES256 proofs`)

// The parts, alone.
const policy = { algorithms: [...DPOP_ALGORITHMS], iatOffsetSeconds: 300, iatLeewaySeconds: 30 }
const htu = String(requestHtu('http://localhost', url))
const alone = await proofs(n)
for (let i = 0; i < 200; i += 1)
  await verifyDpopProof([alone[i] as string], { method: 'GET', htu, accessToken: boundToken, now: Date.now() }, policy)
const proofMicros = await measure('verifyDpopProof (typ, alg, jwk import, ES256 verify, claims, ath)', n, (i) =>
  verifyDpopProof([alone[i] as string], { method: 'GET', htu, accessToken: boundToken, now: Date.now() }, policy),
)
await measure('  of which ath (SHA-256 of the access token)', n, async () => accessTokenHash(boundToken))

const memory = createMemoryReplayStore()
const memoryMicros = await measure('replay check: in-process store claimOnce', n, (i) =>
  memory.claimOnce(`memory-${i}`, 330_000),
)
let redisMicros: number | undefined
let redis: Awaited<ReturnType<typeof startTcpRedis>> | undefined
let redisStore: ReplayStore | undefined
if (hasRedisServer()) {
  redis = await startTcpRedis()
  redisStore = createRedisReplayStore({ url: redis.url })
  for (let i = 0; i < 200; i += 1) await redisStore.claimOnce(`warm-${i}`, 330_000)
  redisMicros = await measure('replay check: Redis SET NX PX (127.0.0.1, one connection)', n, (i) =>
    (redisStore as ReplayStore).claimOnce(`redis-${crypto.randomUUID()}-${i}`, 330_000),
  )
} else {
  console.log('redis-server not installed: no Redis figures (apt-get install redis-server)')
}

// Whole requests through app.handle, interleaved in blocks so that a noisy machine slows every path alike; the
// figure of each path is the median of its blocks.
const blocks = 16
const perBlock = Math.max(50, Math.floor(n / blocks))
const dpopRequest = (proof: string) =>
  new Request(url, { headers: { authorization: `DPoP ${boundToken}`, dpop: proof } })
const bearerRequest = () => new Request(url, { headers: { authorization: `Bearer ${bearerToken}` } })
const memoryApi = createTestApi(issuer)
const redisApi = redis === undefined ? undefined : createTestApi(issuer, { env: { REDIS_URL: redis.url } })
const paths: { name: string; run: () => Promise<Response>; proofs: string[] | undefined; block: number[] }[] = [
  { name: 'GET /api/private, Bearer', run: () => memoryApi.app.handle(bearerRequest()), proofs: undefined, block: [] },
  {
    name: 'GET /api/private, DPoP, fresh proof, in-process store',
    run: async () => memoryApi.app.handle(dpopRequest(String(paths[1]?.proofs?.pop()))),
    proofs: await proofs(blocks * perBlock + 200),
    block: [],
  },
]
if (redisApi !== undefined) {
  paths.push({
    name: 'GET /api/private, DPoP, fresh proof, Redis store',
    run: async () => redisApi.app.handle(dpopRequest(String(paths[2]?.proofs?.pop()))),
    proofs: await proofs(blocks * perBlock + 200),
    block: [],
  })
}
for (const path of paths) for (let i = 0; i < 200; i += 1) await path.run() // warm-up: JIT, keys, connection
for (let b = 0; b < blocks; b += 1) {
  for (const path of paths) {
    const started = performance.now()
    for (let i = 0; i < perBlock; i += 1) {
      const answer = await path.run()
      if (answer.status !== 200) throw new Error(`${path.name}: ${answer.status}`)
    }
    path.block.push(((performance.now() - started) / perBlock) * 1000)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const [bearerMicros, memoryDpopMicros, redisDpopMicros] = paths.map((path) => {
  const micros = median(path.block)
  console.log(
    `${path.name.padEnd(58)} ${Math.round(1e6 / micros)
      .toString()
      .padStart(7)} /s ${micros.toFixed(1).padStart(8)} µs`,
  )
  return micros
}) as [number, number, number | undefined]

// A server has many requests in flight: 32 at a time, where Bun's client pipelines the SETs to Redis.
const concurrency = 32
for (const path of paths) {
  const rounds = Math.max(4, Math.floor((blocks * perBlock) / concurrency / 4))
  const supply = path.proofs === undefined ? undefined : await proofs(rounds * concurrency)
  const run = () =>
    supply === undefined ? path.run() : memoryOrRedis(path).app.handle(dpopRequest(String(supply.pop())))
  const started = performance.now()
  for (let r = 0; r < rounds; r += 1) {
    const answers = await Promise.all(Array.from({ length: concurrency }, run))
    if (answers.some((answer) => answer.status !== 200)) throw new Error(`${path.name}: not 200 under concurrency`)
  }
  const micros = ((performance.now() - started) / (rounds * concurrency)) * 1000
  console.log(
    `${`${path.name}, ${concurrency} in flight`.padEnd(58)} ${Math.round(1e6 / micros)
      .toString()
      .padStart(7)} /s ${micros.toFixed(1).padStart(8)} µs`,
  )
}
function memoryOrRedis(path: (typeof paths)[number]) {
  return path === paths[2] && redisApi !== undefined ? redisApi : memoryApi
}
memoryApi.runtime.close()
redisApi?.runtime.close()

console.log('')
console.log(
  `DPoP / Bearer requests per second (in-process store): ${(bearerMicros / memoryDpopMicros).toFixed(2)}; ` +
    `added per request: ${(memoryDpopMicros - bearerMicros).toFixed(1)} µs ` +
    `(proof verification alone ${proofMicros.toFixed(1)} µs, in-process replay check ${memoryMicros.toFixed(2)} µs)`,
)
if (redisDpopMicros !== undefined && redisMicros !== undefined) {
  console.log(
    `DPoP / Bearer requests per second (Redis store): ${(bearerMicros / redisDpopMicros).toFixed(2)}; ` +
      `added per request: ${(redisDpopMicros - bearerMicros).toFixed(1)} µs; Redis over in-process: ` +
      `${(redisDpopMicros - memoryDpopMicros).toFixed(1)} µs (SET NX PX alone ${redisMicros.toFixed(1)} µs, one round trip)`,
  )
}

redisStore?.close()
await redis?.stop()
await issuer.close()
