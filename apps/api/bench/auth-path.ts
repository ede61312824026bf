// `bun run bench` (root or apps/api): prints throughput figures for the auth path, in-process (no sockets), compared within
// one run so that a noisy shared machine still gives meaningful ratios. Not a test: it asserts nothing.
import { startIssuerStub } from '@repo/testing'
import { createTestApi } from '../test/helpers.ts'

const audience = 'https://api.example.test'
const issuer = await startIssuerStub({ audience })
const { app, runtime } = createTestApi(issuer)
const token = await issuer.mint({ scope: 'read:messages' })
const headers = { authorization: `Bearer ${token}` }

async function measure(name: string, iterations: number, run: () => Promise<unknown>) {
  for (let i = 0; i < 200; i += 1) await run() // warm-up (JIT, key import, first fetch)
  const started = performance.now()
  for (let i = 0; i < iterations; i += 1) await run()
  const seconds = (performance.now() - started) / 1000
  const perSecond = iterations / seconds
  console.log(
    `${name.padEnd(44)} ${Math.round(perSecond).toString().padStart(8)} /s  ${((seconds / iterations) * 1e6).toFixed(1).padStart(7)} µs`,
  )
  return perSecond
}

const request = (path: string, init?: RequestInit) => app.handle(new Request(`http://localhost${path}`, init))
const n = Number(process.env.BENCH_ITERATIONS ?? 20_000)
console.log(`bun ${Bun.version}, ${n} iterations each, in-process through app.handle`)
const publicRate = await measure('GET /api/public (no auth)', n, () => request('/api/public'))
const verifyRequest = new Request('http://localhost/api/private', { headers })
const verifyRate = await measure('authenticate(request) alone', n, () =>
  runtime.authenticator.authenticate(verifyRequest),
)
const privateRate = await measure('GET /api/private (valid RS256 token)', n, () => request('/api/private', { headers }))
const scopedRate = await measure('GET /api/private-scoped (valid, scoped)', n, () =>
  request('/api/private-scoped', { headers }),
)
const missingRate = await measure('GET /api/private (no token: 401)', n, () => request('/api/private'))
const garbageRate = await measure('GET /api/private (garbage token: 401)', n, () =>
  request('/api/private', { headers: { authorization: 'Bearer a.b.c' } }),
)
console.log(`private / public throughput: ${(privateRate / publicRate).toFixed(2)}`)
console.log(`scoped / private throughput: ${(scopedRate / privateRate).toFixed(2)}`)
console.log(`verify share of a private request: ${((privateRate / verifyRate) * 100).toFixed(0)} %`)
console.log(
  `401 (missing) / public throughput: ${(missingRate / publicRate).toFixed(2)}; garbage: ${(garbageRate / publicRate).toFixed(2)}`,
)
console.log(`JWKS requests during the whole run: ${issuer.jwksRequests} (never one per request)`)
runtime.close()
await issuer.close()
