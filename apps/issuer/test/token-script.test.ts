import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint, createRemoteJWKSet, type JWK, jwtVerify } from 'jose'
import type { RunningIssuer } from '../src/server.ts'
import { audience, startTestIssuer } from './helpers.ts'

// `bun run token` (scripts/token.ts at the repository root) against an in-process issuer on port 0.
const SCRIPT = join(import.meta.dir, '..', '..', '..', 'scripts', 'token.ts')

let issuer: RunningIssuer
let refusing: Server
let refusingPort: number
// Outside the repository, so that no developer's .env takes part (the script reads the root .env).
const cwd = mkdtempSync(join(tmpdir(), 'token-script-'))

beforeAll(async () => {
  issuer = await startTestIssuer()
  // Accepts connections and drops them: an issuer that cannot be reached, on a port nobody else takes.
  refusing = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
  refusingPort = (refusing.address() as { port: number }).port
})
afterAll(async () => {
  await issuer.close()
  await new Promise((resolve) => refusing.close(resolve))
  rmSync(cwd, { recursive: true, force: true })
})

async function runScript(args: string[], env: Record<string, string> = {}, dir = cwd) {
  const proc = Bun.spawn(['bun', '--no-env-file', SCRIPT, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', AUTH0_ISSUER_BASE_URL: issuer.issuer, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [exitCode, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ])
  return { exitCode, stdout, stderr }
}

async function verify(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${issuer.url}/.well-known/jwks.json`))
  return (await jwtVerify(token, jwks, { issuer: issuer.issuer, audience })).payload
}

describe('bun run token', () => {
  test('an issuer named by a host this machine cannot reach (compose: http://issuer:9000) is asked where it answered', async () => {
    const named = await startTestIssuer({ ISSUER_URL: 'http://issuer.invalid:9000' })
    try {
      const { exitCode, stdout, stderr } = await runScript([], { AUTH0_ISSUER_BASE_URL: named.url })
      expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) })
      const token = stdout.slice('export TOKEN='.length).trim()
      const jwks = createRemoteJWKSet(new URL(`${named.url}/.well-known/jwks.json`))
      expect((await jwtVerify(token, jwks, { issuer: 'http://issuer.invalid:9000', audience })).payload).toMatchObject({
        client_id: 'local-client',
      })
    } finally {
      await named.close()
    }
  })

  test('prints exactly `export TOKEN=<token>` on stdout; the token verifies against the issuer’s keys', async () => {
    const { exitCode, stdout, stderr } = await runScript([])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^export TOKEN=[\w.-]+\n$/)
    const payload = await verify(stdout.slice('export TOKEN='.length).trim())
    expect(payload).toMatchObject({ client_id: 'local-client', scope: 'read:messages write:messages' })
    expect(stderr).not.toContain(stdout.trim().slice('export TOKEN='.length))
  })

  test('--client, --scope', async () => {
    const { exitCode, stdout } = await runScript(['--client', 'local-client', '--scope', 'read:messages'])
    expect(exitCode).toBe(0)
    expect((await verify(stdout.trim().slice('export TOKEN='.length))).scope).toBe('read:messages')
  })

  test('--dpop: a DPoP-bound token and the private key that proofs must be signed with', async () => {
    const { exitCode, stdout } = await runScript(['--dpop'])
    expect(exitCode).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    const token = String(lines[0]).slice('export TOKEN='.length)
    const key = JSON.parse(String(lines[1]).match(/^export DPOP_KEY='(.+)'$/)?.[1] ?? 'null') as JWK
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(key.d).toBeString()
    const { d: _, ...publicJwk } = key
    expect((await verify(token)).cnf).toEqual({ jkt: await calculateJwkThumbprint(publicJwk) })
  })

  test('errors: one line on stderr naming what to do, nothing on stdout, exit 1', async () => {
    writeFileSync(join(cwd, '.env'), 'AUTH0_API_AUDIENCE=https://from-dotenv.test\n')
    const cases: [string[], Record<string, string>, string | RegExp][] = [
      [
        ['--secret', 'nope'],
        {},
        'The issuer refused client "local-client" (invalid_client): check --client and --secret',
      ],
      [['--client', 'app'], {}, '--secret is required for client "app"'],
      [
        [],
        { AUTH0_API_AUDIENCE: 'https://unknown.test' },
        'The issuer has no API "https://unknown.test" (audience from AUTH0_API_AUDIENCE in the environment)',
      ],
      [[], {}, 'The issuer has no API "https://from-dotenv.test" (audience from AUTH0_API_AUDIENCE in .env)'],
      [
        ['--issuer', `http://127.0.0.1:${refusingPort}`],
        {},
        new RegExp(
          `^Cannot reach the issuer at http://127.0.0.1:${refusingPort} \\(\\w+\\): is the local issuer running\\? \`docker compose up issuer\`\n$`,
        ),
      ],
      [['--bogus'], {}, "Unknown option '--bogus'"],
    ]
    try {
      for (const [args, env, expected] of cases) {
        const { exitCode, stdout, stderr } = await runScript(args, env)
        expect({ exitCode, stdout }).toEqual({ exitCode: 1, stdout: '' })
        if (typeof expected === 'string') expect(stderr).toStartWith(expected)
        else expect(stderr).toMatch(expected)
        expect(stderr.trimEnd().split('\n')).toHaveLength(1)
      }
    } finally {
      rmSync(join(cwd, '.env'))
    }
  })
})
