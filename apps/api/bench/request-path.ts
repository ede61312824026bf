/**
 * `bun run --cwd apps/api bench:request-path`: the CPU time of each request path through the server's own wiring
 * (the observability wrapper with metrics, the access log off, CORS off: `server.ts`'s defaults), in-process, one
 * request at a time. No sockets: what is left of an HTTP request is the app's own work, so a change to the app
 * shows here at a fraction of the noise of wrk. Figures are the median of `BENCH_ROUNDS` rounds of
 * `BENCH_ITERATIONS` calls, CPU µs per call (`process.cpuUsage`); pin it (`taskset -c 0`) for steadier figures.
 * `BENCH_PATHS=public,hit` keeps only those paths.
 */

import { loadAuthConfig } from '@repo/auth-config'
import { generateTestKey, startIssuerStub } from '@repo/testing'
import { createApp } from '../src/app.ts'
import { createAuthRuntime } from '../src/auth.ts'
import { silentLogger } from '../src/logger.ts'
import { createApiMetrics } from '../src/observability/metrics.ts'
import { createObservability } from '../src/observability/observability.ts'

const audience = 'https://api.example.test'
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const only = process.env.BENCH_PATHS?.split(',')

const issuer = await startIssuerStub({ audience })
function serverFetch(env: Record<string, string> = {}) {
  const { config } = loadAuthConfig({ AUTH0_ISSUER_BASE_URL: issuer.baseUrl, AUTH0_API_AUDIENCE: audience, ...env })
  const metrics = createApiMetrics()
  const runtime = createAuthRuntime(config, { logger: silentLogger, onKeySetEvent: metrics.keySet.record, metrics })
  const observability = createObservability({ logger: silentLogger, accessLog: false, metrics })
  const app = createApp({ ...runtime, logger: silentLogger, observability })
  return { fetch: observability.wrap(app.fetch), runtime }
}

const ours = serverFetch()
const nocache = serverFetch({ AUTH0_TOKEN_CACHE_SIZE: '0' })
const claims = { scope: 'read:messages' }
const token = await issuer.mint(claims)
const impostor = await generateTestKey(issuer.signingKey.alg, issuer.signingKey.kid)
const stranger = await generateTestKey(issuer.signingKey.alg, 'bench-unknown-kid')
const badSignature = await issuer.mint(claims, { key: impostor })
const unknownKid = await issuer.mint(claims, { key: stranger })
const url = 'http://127.0.0.1:3000'
const bearer = (value: string) => ({ headers: { authorization: `Bearer ${value}` } })

type Fetch = (request: Request) => Response | Promise<Response>
// The floor: what the benchmark's raw server does for these two answers (a constant body, no framework).
const rawPublicBody = JSON.stringify({ status: 'success', msg: 'a public message of about the same length as ours...' })
const rawFloor: Fetch = (request) =>
  request.headers.get('authorization') === null && request.url.endsWith('/private')
    ? new Response('{"error":"invalid_token"}', {
        status: 401,
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' },
      })
    : new Response(rawPublicBody, { headers: { 'content-type': 'application/json' } })
const paths: { name: string; fetch: Fetch; make: () => Request; status: number }[] = [
  { name: 'floor-public', fetch: rawFloor, make: () => new Request(`${url}/api/public`), status: 200 },
  { name: 'floor-401', fetch: rawFloor, make: () => new Request(`${url}/api/private`), status: 401 },
  { name: 'public', fetch: ours.fetch, make: () => new Request(`${url}/api/public`), status: 200 },
  { name: 'hit', fetch: ours.fetch, make: () => new Request(`${url}/api/private`, bearer(token)), status: 200 },
  { name: 'miss', fetch: nocache.fetch, make: () => new Request(`${url}/api/private`, bearer(token)), status: 200 },
  {
    name: 'bad-signature',
    fetch: ours.fetch,
    make: () => new Request(`${url}/api/private`, bearer(badSignature)),
    status: 401,
  },
  {
    name: 'unknown-kid',
    fetch: ours.fetch,
    make: () => new Request(`${url}/api/private`, bearer(unknownKid)),
    status: 401,
  },
  { name: 'no-token', fetch: ours.fetch, make: () => new Request(`${url}/api/private`), status: 401 },
  { name: 'not-found', fetch: ours.fetch, make: () => new Request(`${url}/nowhere`), status: 404 },
  {
    name: 'method-not-allowed',
    fetch: ours.fetch,
    make: () => new Request(`${url}/api/public`, { method: 'DELETE' }),
    status: 405,
  },
]

const cpu = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

try {
  for (const path of paths) {
    if (only !== undefined && !only.includes(path.name)) continue
    const first = await path.fetch(path.make())
    if (first.status !== path.status) throw new Error(`${path.name}: ${first.status}, expected ${path.status}`)
    const figures: number[] = []
    for (let round = 0; round <= rounds; round += 1) {
      const started = cpu()
      for (let i = 0; i < iterations; i += 1) {
        const response = await path.fetch(path.make())
        await response.arrayBuffer()
      }
      if (round > 0) figures.push((cpu() - started) / iterations) // round 0 warms up
    }
    figures.sort((a, b) => a - b)
    const median = figures[Math.floor(figures.length / 2)] as number
    console.log(
      `${path.name.padEnd(20)} ${median.toFixed(2).padStart(7)} µs/call  (min ${figures[0]?.toFixed(2)}, max ${figures.at(-1)?.toFixed(2)})`,
    )
  }
} finally {
  ours.runtime.close()
  nocache.runtime.close()
  await issuer.close()
}
