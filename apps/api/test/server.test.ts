import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnLogged } from '@repo/testing'
import { audience } from './helpers.ts'

// The real entry point, as `bun run start` runs it, from a directory with no .env in reach. Serving and stopping
// are tested on the compiled binary (e2e); here, what only the entry point decides.
const entry = join(import.meta.dir, '..', 'src', 'index.ts')
const outside = mkdtempSync(join(tmpdir(), 'api-server-'))
afterAll(() => rmSync(outside, { recursive: true, force: true }))

function start(env: Record<string, string>) {
  return spawnLogged(['bun', '--no-env-file', entry], { cwd: outside, env })
}

describe('configuration errors', () => {
  test('with nothing set: exit 1 and one line naming AUTH0_DOMAIN and AUTH0_API_AUDIENCE', async () => {
    const child = start({})
    expect(await child.exited).toBe(1)
    const stderr = child.errors()
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('AUTH0_DOMAIN is required')
    expect(stderr).toContain('AUTH0_API_AUDIENCE is required (e.g. AUTH0_API_AUDIENCE=https://api.example.com)')
    expect(stderr).not.toContain('    at ')
  })

  test('auth and server problems are reported together', async () => {
    const child = start({
      AUTH0_DOMAIN: 'tenant.auth0.com',
      AUTH0_API_AUDIENCE: 'a',
      PORT: 'eighty',
      AUTH0_ALGORITHMS: 'none',
    })
    expect(await child.exited).toBe(1)
    const stderr = child.errors()
    expect(stderr).toContain('AUTH0_ALGORITHMS must list')
    expect(stderr).toContain('PORT must be a port number')
  })

  test('the issuer unreachable at start: the server still starts, and /readyz says 503', async () => {
    // A port that was just served and closed: nothing listens there.
    const gone = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const closedPort = gone.port
    await gone.stop(true)
    const server = start({
      AUTH0_ISSUER_BASE_URL: `http://127.0.0.1:${closedPort}`,
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
      await server.stop()
    }
  })
})

describe('start-up', () => {
  test('a port in use: exit 1 and one line saying what to do, no stack trace', async () => {
    const taken = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const port = taken.port as number
    try {
      const child = start({
        AUTH0_DOMAIN: 'tenant.auth0.com',
        AUTH0_API_AUDIENCE: 'a',
        PORT: String(taken.port),
        HOST: '127.0.0.1',
      })
      expect(await child.exited).toBe(1)
      const stderr = child.errors().trim()
      expect(stderr.split('\n')).toHaveLength(1)
      expect(stderr).toBe(
        `Cannot listen on 127.0.0.1:${port}: the port is in use (another server, or a second \`bun run dev\`?): stop it or set PORT (e.g. PORT=${port + 1})`,
      )
    } finally {
      await taken.stop(true)
    }
  })

  test('the first line says which issuer and audience are in force, and where each came from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-sources-'))
    try {
      // A repository root of its own, whose .env names the audience; the issuer comes from the environment.
      await Bun.write(join(dir, 'package.json'), '{"workspaces":[]}')
      await Bun.write(join(dir, '.env'), 'AUTH0_API_AUDIENCE=https://from-dot-env.example\n')
      const child = spawnLogged(['bun', '--no-env-file', entry], {
        cwd: dir,
        env: { AUTH0_DOMAIN: 'tenant.example.invalid', PORT: '0', HOST: '127.0.0.1', AUTH0_JWKS_TIMEOUT_MS: '200' },
      })
      try {
        expect(await child.waitForLog('server_started')).toMatchObject({
          issuer: 'https://tenant.example.invalid/',
          audience: 'https://from-dot-env.example',
          configuredBy: { issuer: 'AUTH0_DOMAIN from environment', audience: 'AUTH0_API_AUDIENCE from .env' },
        })
      } finally {
        await child.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
