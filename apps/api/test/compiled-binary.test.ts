import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'bun'
import { audience, DPOP_ALGS } from './helpers.ts'
import { freePort, spawnLogged, startLocalIssuer } from './processes.ts'

// The bundler can break what the sources do (see the pitfalls on --minify): test the artifact itself,
// built by the package's own `build` script, the way the Dockerfile builds it.
const appDir = join(import.meta.dir, '..')
const binary = join(appDir, 'dist', 'api')
const outside = mkdtempSync(join(tmpdir(), 'api-binary-'))

let issuer: Awaited<ReturnType<typeof startLocalIssuer>>
let server: ReturnType<typeof spawnLogged>
let base: string
let port: number

beforeAll(async () => {
  const build = spawnSync(['bun', 'run', 'build'], { cwd: appDir, stdout: 'pipe', stderr: 'pipe' })
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  issuer = await startLocalIssuer()
  port = freePort()
  server = spawnLogged([binary], {
    cwd: outside,
    env: { AUTH0_ISSUER_BASE_URL: issuer.baseUrl, AUTH0_API_AUDIENCE: audience, PORT: String(port), HOST: '127.0.0.1' },
  })
  base = String((await server.waitForLog('server_started')).url)
  await server.waitForLog('readiness')
}, 60_000)

afterAll(async () => {
  server?.proc.kill()
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
    const metadata = `resource_metadata="${base}/.well-known/oauth-protected-resource"`
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", ${metadata}, DPoP ${DPOP_ALGS}, ${metadata}`,
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

  test('--healthcheck exits 0 against the running server, 1 when nothing listens', () => {
    const healthy = spawnSync([binary, '--healthcheck'], { env: { PORT: String(port) }, cwd: outside })
    expect(healthy.exitCode).toBe(0)
    const unhealthy = spawnSync([binary, '--healthcheck'], { env: { PORT: String(freePort()) }, cwd: outside })
    expect(unhealthy.exitCode).toBe(1)
  })

  test('stops promptly on SIGTERM', async () => {
    const started = performance.now()
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
    expect(performance.now() - started).toBeLessThan(3_000)
  })
})
