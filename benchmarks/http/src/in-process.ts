// The secondary table: the auth path measured in-process through `app.handle` (no sockets, no HTTP parsing), to
// see how much of an HTTP request is the app's own work. Same wiring as the API's tests (`createTestApi`).
import type { IssuerStub } from '@repo/testing'
import { createTestApi } from 'api/test/helpers.ts'

export interface InProcessRow {
  readonly name: string
  readonly perSecond: number
  readonly microsPerCall: number
}

export interface InProcessResult {
  readonly iterations: number
  readonly rows: readonly InProcessRow[]
  /** JWKS requests during the whole in-process run (one expected, never one per request). */
  readonly jwksFetches: number
}

/** Runs each path `iterations` times after a 200-call warm-up, one call at a time. */
export async function measureInProcess(issuer: IssuerStub, iterations: number): Promise<InProcessResult> {
  const jwksBefore = issuer.jwksRequests
  const { app, runtime } = createTestApi(issuer)
  const uncached = createTestApi(issuer, { env: { AUTH0_TOKEN_CACHE_SIZE: '0' } })
  const token = await issuer.mint({ scope: 'read:messages' })
  const headers = { authorization: `Bearer ${token}` }
  const request = (path: string, init?: RequestInit) => app.handle(new Request(`http://localhost${path}`, init))
  const rows: InProcessRow[] = []

  async function time(name: string, run: () => Promise<unknown>) {
    for (let i = 0; i < 200; i += 1) await run() // warm-up: JIT, key import, the first JWKS fetch
    const started = performance.now()
    for (let i = 0; i < iterations; i += 1) await run()
    const seconds = (performance.now() - started) / 1000
    rows.push({ name, perSecond: iterations / seconds, microsPerCall: (seconds / iterations) * 1e6 })
  }

  try {
    // A token minted for another audience than the test API's would make every "valid" row a 401.
    const check = await request('/api/private', { headers })
    if (check.status !== 200) throw new Error(`in-process: a valid token got ${check.status}, expected 200`)
    await time('GET /api/public (no auth)', () => request('/api/public'))
    const authRequest = new Request('http://localhost/api/private', { headers })
    await time('authenticate(request) alone (cache hit)', () => runtime.authenticator.authenticate(authRequest))
    await time('authenticate(request) alone (cache off: RS256 verify)', () =>
      uncached.runtime.authenticator.authenticate(authRequest),
    )
    await time('GET /api/private (valid RS256 token, cache hit)', () => request('/api/private', { headers }))
    await time('GET /api/private (valid RS256 token, cache off)', () =>
      uncached.app.handle(new Request('http://localhost/api/private', { headers })),
    )
    await time('GET /api/private-scoped (valid, scoped)', () => request('/api/private-scoped', { headers }))
    await time('GET /api/private (no token: 401)', () => request('/api/private'))
    await time('GET /api/private (garbage token: 401)', () =>
      request('/api/private', { headers: { authorization: 'Bearer a.b.c' } }),
    )
  } finally {
    runtime.keySet.close()
    uncached.runtime.keySet.close()
  }
  return { iterations, rows, jwksFetches: issuer.jwksRequests - jwksBefore }
}
