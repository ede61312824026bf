import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LocalIssuer, type LoggedProcess, spawnLogged, startLocalIssuer } from '@repo/testing'
import { ensureApiBinary } from '../src/api-binary.ts'

// The bundler can break what the sources do (see the pitfalls on --minify): test the artifact itself,
// built by the package's own `build` script, the way the Dockerfile builds it.
const audience = 'https://api.example.test'
const outside = mkdtempSync(join(tmpdir(), 'api-binary-'))

let binary: string
let issuer: LocalIssuer
let server: LoggedProcess
let base: string
let port: string

beforeAll(async () => {
  binary = ensureApiBinary().path
  issuer = await startLocalIssuer({ audiences: [audience] })
  server = spawnLogged([binary], {
    cwd: outside,
    env: { AUTH0_ISSUER_BASE_URL: issuer.baseUrl, AUTH0_API_AUDIENCE: audience, PORT: '0', HOST: '127.0.0.1' },
  })
  base = String((await server.waitForLog('server_started')).url)
  port = new URL(base).port
  await server.waitForLog('readiness')
}, 120_000)

afterAll(async () => {
  await server?.stop()
  await issuer?.stop()
  rmSync(outside, { recursive: true, force: true })
})

describe('the compiled binary', () => {
  test('serves the tutorial routes with a real token', async () => {
    const publicResponse = await fetch(`${base}/api/public`)
    expect(await publicResponse.text()).toBe(
      `{"status":"success","msg":"Hello from a public endpoint! You don't need to be authenticated to see this."}`,
    )
    const token = await issuer.token({ audience })
    const headers = { authorization: `Bearer ${token}` }
    expect((await fetch(`${base}/api/private`, { headers })).status).toBe(200)
    expect((await fetch(`${base}/api/private-scoped`, { headers })).status).toBe(200)
    const limited = await issuer.token({ audience, clientId: 'limited-client', clientSecret: 'limited-secret' })
    expect(
      (await fetch(`${base}/api/private-scoped`, { headers: { authorization: `Bearer ${limited}` } })).status,
    ).toBe(403)
  })

  test('answers errors with challenges, not 500s (the minifier pitfall)', async () => {
    const missing = await fetch(`${base}/api/private`)
    expect(missing.status).toBe(401)
    // A Bearer and a DPoP challenge (the default `allowed` mode), each naming the resource metadata (RFC 9728).
    const metadata = `resource_metadata="${base}/.well-known/oauth-protected-resource"`
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", ${metadata}, DPoP algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519", ${metadata}`,
    )
    expect((await fetch(`${base}/api/private`, { headers: { authorization: 'Bearer x y' } })).status).toBe(400)
    expect((await fetch(`${base}/api/private`, { headers: { authorization: 'Bearer x.y.z' } })).status).toBe(401)
    expect((await fetch(`${base}/nope`)).status).toBe(404)
  })

  test('serves /readyz, /docs and its embedded Swagger UI assets', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    expect((await fetch(`${base}/docs`)).status).toBe(200)
    const bundle = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
  })

  test('--healthcheck exits 0 against the running server, 1 against a port that does not answer HTTP', async () => {
    const healthcheck = (checkedPort: string | number) =>
      Bun.spawn([binary, '--healthcheck'], { env: { PORT: String(checkedPort) }, cwd: outside }).exited
    expect(await healthcheck(port)).toBe(0)
    // Held for the whole check, so no other process can be there: accepts, then hangs up at once.
    const hangUp = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open(socket) {
          socket.end()
        },
        data() {},
      },
    })
    try {
      expect(await healthcheck(hangUp.port)).toBe(1)
    } finally {
      hangUp.stop(true)
    }
  })

  test('stops promptly on SIGTERM', async () => {
    const started = performance.now()
    server.proc.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(performance.now() - started).toBeLessThan(3_000)
  })
})
