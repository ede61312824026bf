import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createDpopClient, discover } from '../src/dpop-client.ts'
import { AUDIENCE, runMain, startApi, startIssuer } from './processes.ts'

// The example against the development issuer and the API, each started as `bun run dev` would, on port 0.
let issuer: Awaited<ReturnType<typeof startIssuer>>
let api: Awaited<ReturnType<typeof startApi>>
let strict: Awaited<ReturnType<typeof startApi>>

beforeAll(async () => {
  issuer = await startIssuer()
  ;[api, strict] = await Promise.all([
    startApi(issuer.url),
    // Server nonces and DPoP only: the client must answer use_dpop_nonce by itself.
    startApi(issuer.url, {
      AUTH0_DPOP_MODE: 'required',
      AUTH0_DPOP_NONCE: 'true',
      AUTH0_DPOP_NONCE_SECRET: 'a development-only secret of 32+ bytes',
    }),
  ])
})
afterAll(async () => {
  await Promise.all([api?.stop(), strict?.stop(), issuer?.stop()])
})

describe('examples/dpop-client', () => {
  test('discovers the issuer from the API, gets a DPoP token, calls /api/private with a fresh proof each time', async () => {
    const discovered = await discover(`${api.url}/api/private`)
    expect(discovered).toMatchObject({ resource: AUDIENCE, authorizationServers: [issuer.url] })
    expect(discovered.dpopAlgorithms).toContain('ES256')
    const client = await createDpopClient()
    const token = await client.requestToken({
      tokenEndpoint: `${issuer.url}/oauth/token`,
      clientId: 'local-client',
      clientSecret: 'local-secret',
      audience: discovered.resource,
    })
    expect(token.tokenType).toBe('DPoP')
    for (let i = 0; i < 3; i += 1) {
      const answer = await client.fetch(`${api.url}/api/private?call=${i}`, token.accessToken)
      expect(answer.status).toBe(200)
      expect(((await answer.json()) as { cnf: unknown }).cnf).toEqual({ jkt: client.thumbprint })
    }
  })

  test('against an API that requires DPoP and nonces: the client retries once with the nonce', async () => {
    const client = await createDpopClient()
    const token = await client.requestToken({
      tokenEndpoint: `${issuer.url}/oauth/token`,
      clientId: 'local-client',
      clientSecret: 'local-secret',
      audience: AUDIENCE,
    })
    const first = await client.fetch(`${strict.url}/api/private-scoped`, token.accessToken)
    expect(first.status).toBe(200)
    const bearer = await fetch(`${strict.url}/api/private`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    })
    expect(bearer.status).toBe(401)
  })

  test('src/main.ts prints the README flow: discovery, a DPoP token, 200, then a replay and a downgrade refused', async () => {
    const { exitCode, stdout, stderr } = await runMain({ API_URL: api.url })
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(stdout).toContain(`resource ${AUDIENCE}, authorization server ${issuer.url}`)
    expect(stdout).toContain('2. token_type DPoP, bound to the key ')
    expect(stdout).toMatch(/3\. GET \/api\/private: 200, cnf\.jkt [A-Za-z0-9_-]{43}/)
    expect(stdout).toContain('4. the same proof again: 401 The DPoP proof has already been used')
    expect(stdout).toContain(
      'the token as Bearer: 401 The access token is bound to a key and must be sent with the DPoP scheme',
    )
  })
})
