import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type IssuerStub, spawnLogged, startIssuerStub } from '@repo/testing'
import { audience } from './helpers.ts'

// The real entry point under load, stopped with SIGTERM while requests are in flight.
const entry = join(import.meta.dir, '..', 'src', 'index.ts')
const outside = mkdtempSync(join(tmpdir(), 'api-shutdown-'))

let issuer: IssuerStub
/** A JWKS endpoint in front of the stub that can hold requests: a verification waiting on it is a slow request. */
let jwks: ReturnType<typeof Bun.serve>
let holding = false
const held = Promise.withResolvers<void>()
const release = Promise.withResolvers<void>()

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
  jwks = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch() {
      if (holding) {
        held.resolve()
        await release.promise
      }
      return fetch(issuer.jwksUri)
    },
  })
  issuer.discoveryExtra = { jwks_uri: `http://127.0.0.1:${jwks.port}/jwks` }
})
afterAll(async () => {
  release.resolve()
  jwks.stop(true)
  await issuer.close()
  rmSync(outside, { recursive: true, force: true })
})

type Outcome = { startedAt: number; status?: number; complete?: boolean; error?: string }

/** A bounded fetch loop: until the server is gone (connection refused) or the deadline. */
async function loadLoop(url: string, outcomes: Outcome[], deadline: number, onAnswer: () => void): Promise<void> {
  while (Date.now() < deadline) {
    const outcome: Outcome = { startedAt: Date.now() }
    outcomes.push(outcome)
    try {
      const response = await fetch(url)
      const body = await response.text()
      outcome.status = response.status
      outcome.complete = body.includes('"status":"success"')
      onAnswer()
    } catch (error) {
      outcome.error = (error as { code?: string }).code ?? String(error)
      if (outcome.error === 'ConnectionRefused' || outcome.error === 'ECONNREFUSED') return
    }
  }
}

test('SIGTERM under load: readiness drops, every request accepted before the close is answered, exit 0', async () => {
  const server = spawnLogged(['bun', '--no-env-file', entry], {
    cwd: outside,
    env: {
      AUTH0_ISSUER_BASE_URL: issuer.baseUrl,
      AUTH0_API_AUDIENCE: audience,
      AUTH0_JWKS_TIMEOUT_MS: '10000',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_SECONDS: '1',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    },
  })
  try {
    const base = String((await server.waitForLog('server_started')).url)
    await server.waitForLog('readiness')
    expect((await fetch(`${base}/readyz`)).status).toBe(200)

    // Slow requests: a token signed with a new key makes the server refetch the keys, which the endpoint holds.
    holding = true
    await issuer.rotate()
    const token = await issuer.mint()
    const slow = Array.from({ length: 5 }, () =>
      fetch(`${base}/api/private`, { headers: { authorization: `Bearer ${token}` } }).then(
        async (response) => ({ status: response.status, body: await response.text() }),
        (error: unknown) => ({ status: 0, body: String(error) }),
      ),
    )
    await held.promise

    const outcomes: Outcome[] = []
    const deadline = Date.now() + 20_000
    // The signal comes once the load is well under way: after the 200th answer.
    const underLoad = Promise.withResolvers<void>()
    const onAnswer = () => {
      if (outcomes.filter((o) => o.status === 200).length >= 200) underLoad.resolve()
    }
    const loops = Array.from({ length: 8 }, () => loadLoop(`${base}/api/public`, outcomes, deadline, onAnswer))
    await underLoad.promise

    const signalledAt = Date.now()
    server.proc.kill('SIGTERM')
    await server.waitForLog('server_stopping')
    const readiness = await fetch(`${base}/readyz`)
    expect(readiness.status).toBe(503)
    expect(await readiness.json()).toMatchObject({ reason: 'shutting_down' })
    const closedAt = Date.parse(String((await server.waitForLog('listener_closed')).time))
    release.resolve()

    expect(await server.proc.exited).toBe(0)
    await Promise.all(loops)
    for (const answer of await Promise.all(slow)) {
      expect(answer.status).toBe(200)
      expect(answer.body).toContain('"sub"')
    }
    // Every request got a full answer, except connections refused (nothing listened any more: they arrived after
    // the close) and failures of requests sent after the close (a keep-alive connection closed under them).
    const refused = (o: Outcome) => o.error === 'ConnectionRefused' || o.error === 'ECONNREFUSED'
    const lost = outcomes.filter((o) =>
      o.error === undefined ? o.status !== 200 || o.complete !== true : refused(o) ? false : o.startedAt < closedAt,
    )
    expect(lost).toEqual([])
    for (const o of outcomes.filter(refused)) expect(o.startedAt).toBeGreaterThanOrEqual(signalledAt)
    // Served after the signal, during the delay; refused in the end.
    expect(outcomes.filter((o) => o.status === 200 && o.startedAt > signalledAt).length).toBeGreaterThan(0)
    expect(outcomes.filter(refused).length).toBeGreaterThan(0)
    expect(server.output()).toContain('"event":"server_stopped"')
    expect(server.output()).not.toContain('"event":"shutdown_timeout"')
  } finally {
    server.proc.kill('SIGKILL')
  }
}, 30_000)
