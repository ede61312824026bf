import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { audience, DPOP_ALGS } from './helpers.ts'
import { spawnLogged } from './processes.ts'

// The real entry point, as `bun run start` runs it, from a directory with no .env in reach.
const entry = join(import.meta.dir, '..', 'src', 'index.ts')
const outside = mkdtempSync(join(tmpdir(), 'api-server-'))
afterAll(() => rmSync(outside, { recursive: true, force: true }))

function start(env: Record<string, string>) {
  return spawnLogged(['bun', '--no-env-file', entry], { cwd: outside, env })
}

describe('the server process', () => {
  let issuer: IssuerStub
  let server: ReturnType<typeof start>
  let base: string

  beforeAll(async () => {
    issuer = await startIssuerStub({ audience })
    server = start({
      AUTH0_ISSUER_BASE_URL: issuer.baseUrl,
      AUTH0_API_AUDIENCE: audience,
      PORT: '0',
      HOST: '127.0.0.1',
    })
    base = String((await server.waitForLog('server_started')).url)
    await server.waitForLog('readiness')
  })
  afterAll(async () => {
    server.proc.kill()
    await issuer.close()
  })

  test('serves the three routes over a real socket', async () => {
    expect((await fetch(`${base}/api/public`)).status).toBe(200)
    const token = await issuer.mint({ scope: 'read:messages' })
    const headers = { authorization: `Bearer ${token}` }
    const privateResponse = await fetch(`${base}/api/private`, { headers })
    expect(privateResponse.status).toBe(200)
    expect(((await privateResponse.json()) as { aud: string }).aud).toBe(audience)
    expect((await fetch(`${base}/api/private-scoped`, { headers })).status).toBe(200)
    const missing = await fetch(`${base}/api/private`)
    expect(missing.status).toBe(401)
    const metadata = `resource_metadata="${base}/.well-known/oauth-protected-resource"`
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", ${metadata}, DPoP ${DPOP_ALGS}, ${metadata}`,
    )
  })

  test('is ready once the key set is loaded', async () => {
    const response = await fetch(`${base}/readyz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ready', keySet: { ready: true, keys: 1 } })
  })

  test('exits promptly on SIGTERM', async () => {
    const started = performance.now()
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
    expect(performance.now() - started).toBeLessThan(3000)
    expect(server.output()).toContain('"event":"jwks_fetched"')
    expect(server.output()).toContain('"event":"server_stopping"')
  })
})

describe('configuration errors', () => {
  test('with nothing set: exit 1 and one line naming AUTH0_DOMAIN and AUTH0_API_AUDIENCE', async () => {
    const { proc } = start({})
    expect(await proc.exited).toBe(1)
    const stderr = await new Response(proc.stderr).text()
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('AUTH0_DOMAIN is required')
    expect(stderr).toContain('AUTH0_API_AUDIENCE is required (e.g. AUTH0_API_AUDIENCE=https://api.example.com)')
    expect(stderr).not.toContain('    at ')
  })

  test('auth and server problems are reported together', async () => {
    const { proc } = start({
      AUTH0_DOMAIN: 'tenant.auth0.com',
      AUTH0_API_AUDIENCE: 'a',
      PORT: 'eighty',
      AUTH0_ALGORITHMS: 'none',
    })
    expect(await proc.exited).toBe(1)
    const stderr = await new Response(proc.stderr).text()
    expect(stderr).toContain('AUTH0_ALGORITHMS must list')
    expect(stderr).toContain('PORT must be a port number')
  })

  test('the issuer unreachable at start: the server still starts, and /readyz says 503', async () => {
    const server = start({
      AUTH0_ISSUER_BASE_URL: 'http://127.0.0.1:9',
      AUTH0_API_AUDIENCE: audience,
      AUTH0_JWKS_TIMEOUT_MS: '200',
      PORT: '0',
      HOST: '127.0.0.1',
    })
    try {
      const line = await server.waitForLog('server_started')
      await server.waitForLog('readiness')
      const response = await fetch(`${line.url}/readyz`)
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ status: 'not_ready', reason: 'not_loaded: network' })
      expect((await fetch(`${line.url}/healthz`)).status).toBe(200)
      // A well-formed token needs the keys to be judged: 503. A broken one does not: 401, outage or not.
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString('base64url')
      const wellFormed = `${header}.${Buffer.from('{}').toString('base64url')}.AAAA`
      const broken = await fetch(`${line.url}/api/private`, { headers: { authorization: 'Bearer a.b.c' } })
      expect(broken.status).toBe(401)
      const privateResponse = await fetch(`${line.url}/api/private`, {
        headers: { authorization: `Bearer ${wellFormed}` },
      })
      expect(privateResponse.status).toBe(503)
      expect(privateResponse.headers.get('retry-after')).not.toBeNull()
    } finally {
      server.proc.kill()
    }
  })
})
