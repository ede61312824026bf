import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createMemoryReplayStore } from '@repo/access-token'
import {
  craftToken,
  createManualClock,
  type DpopTestKey,
  generateDpopKey,
  generateTestKey,
  hmacSha256,
  type IssuerStub,
  type ProofClaims,
  signDpopProof,
  startIssuerStub,
  tokenHash,
} from '@repo/testing'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import {
  audience,
  challengeOf,
  closeTestApis,
  createTestApi,
  DPOP_ALGS,
  errorParams,
  RESOURCE_METADATA,
} from './helpers.ts'

// RFC 9449 through HTTP: each rule of §4.3 and §7, the modes, replay across apps, nonces. Time is a manual clock,
// so that `iat` edges are exact to the second.
const clock = createManualClock(Math.floor(Date.now() / 1000) * 1000)
const now = () => Math.floor(clock.now() / 1000)
const URL_PRIVATE = 'http://localhost/api/private'

let issuer: IssuerStub
let key: DpopTestKey
let api: ReturnType<typeof createTestApi>

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
  key = await generateDpopKey('ES256')
  api = createTestApi(issuer, { clock })
})
afterAll(async () => {
  closeTestApis()
  await issuer.close()
})

/** A token bound to `bound` (default: the test key), valid for an hour of the manual clock. */
const boundToken = (bound: DpopTestKey | null = key, claims: Record<string, unknown> = {}) =>
  issuer.mint({
    iat: now(),
    exp: now() + 3600,
    ...(bound === null ? {} : { cnf: { jkt: bound.thumbprint } }),
    ...claims,
  })

/** A proof for a GET of /api/private with `token`, by `signer`; any claim or header can be overridden. */
const proofFor = (
  token: string,
  claims: Partial<ProofClaims> = {},
  header: Record<string, unknown> = {},
  signer = key,
) => signDpopProof(signer, { htm: 'GET', htu: URL_PRIVATE, accessToken: token, iat: now(), ...claims }, header)

async function call(
  app: { handle(request: Request): Promise<Response> },
  init: { url?: string; method?: string; authorization?: string; proofs?: string[] },
) {
  const headers = new Headers()
  if (init.authorization !== undefined) headers.set('authorization', init.authorization)
  for (const proof of init.proofs ?? []) headers.append('dpop', proof)
  const response = await app.handle(new Request(init.url ?? URL_PRIVATE, { method: init.method ?? 'GET', headers }))
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    challenge: response.headers.get('www-authenticate'),
    body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
  }
}

/** A DPoP request to the default app: `Authorization: DPoP <token>` and the proofs. */
const dpop = (token: string, proofs: string[], extra: { url?: string; method?: string } = {}) =>
  call(api.app, { authorization: `DPoP ${token}`, proofs, ...extra })

const proofError = (description: string) => errorParams('invalid_dpop_proof', description)

describe('a DPoP request', () => {
  test('a bound token with a fresh proof: 200 with the claims, no-store', async () => {
    const token = await boundToken()
    const result = await dpop(token, [await proofFor(token)])
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ aud: audience, cnf: { jkt: key.thumbprint } })
    expect(result.headers.get('cache-control')).toBe('no-store')
    expect(result.headers.get('dpop-nonce')).toBeNull()
  })

  test('the scheme is case-insensitive, and a Bearer token still works in allowed mode', async () => {
    const token = await boundToken()
    expect((await call(api.app, { authorization: `dpop ${token}`, proofs: [await proofFor(token)] })).status).toBe(200)
    const plain = await boundToken(null)
    expect((await call(api.app, { authorization: `Bearer ${plain}` })).status).toBe(200)
  })

  test('the same proof twice: the second is refused (replay), with the error on the DPoP challenge', async () => {
    const token = await boundToken()
    const proof = await proofFor(token)
    expect((await dpop(token, [proof])).status).toBe(200)
    const replayed = await dpop(token, [proof])
    expect(replayed.status).toBe(401)
    expect(replayed.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof has already been used',
    })
    expect(replayed.challenge).toBe(challengeOf(undefined, proofError('The DPoP proof has already been used')))
    expect(replayed.headers.get('cache-control')).toBe('no-store')
  })

  test('a verified token never skips its proof: no proof, a replayed one, then a fresh one', async () => {
    const token = await boundToken()
    const proof = await proofFor(token)
    expect((await dpop(token, [proof])).status).toBe(200)
    const without = await dpop(token, [])
    expect(without.status).toBe(400)
    expect(without.challenge).toBe(
      challengeOf(
        undefined,
        errorParams('invalid_request', 'The DPoP authentication scheme requires a DPoP proof header'),
      ),
    )
    expect((await dpop(token, [proof])).status).toBe(401)
    expect((await dpop(token, [await proofFor(token)])).status).toBe(200)
  })

  test('replayed to another app instance sharing the store: refused there too', async () => {
    const replayStore = createMemoryReplayStore({ clock })
    const first = createTestApi(issuer, { clock, replayStore })
    const second = createTestApi(issuer, { clock, replayStore })
    const token = await boundToken()
    const proof = await proofFor(token)
    const authorization = `DPoP ${token}`
    expect((await call(first.app, { authorization, proofs: [proof] })).status).toBe(200)
    const replayed = await call(second.app, { authorization, proofs: [proof] })
    expect(replayed.status).toBe(401)
    expect(replayed.body?.error_description).toBe('The DPoP proof has already been used')
    replayStore.close()
  })

  test('a jti is remembered per key: another client using the same jti is not refused for it', async () => {
    const other = await generateDpopKey('ES256')
    const jti = crypto.randomUUID()
    const mine = await boundToken()
    const theirs = await boundToken(other)
    expect((await dpop(mine, [await proofFor(mine, { jti })])).status).toBe(200)
    expect((await dpop(theirs, [await proofFor(theirs, { jti }, {}, other)])).status).toBe(200)
  })

  test('a refused proof is not remembered: the same jti, once fixed, is accepted', async () => {
    const token = await boundToken()
    const jti = crypto.randomUUID()
    expect((await dpop(token, [await proofFor(token, { jti, htm: 'POST' })])).status).toBe(401)
    expect((await dpop(token, [await proofFor(token, { jti })])).status).toBe(200)
  })
})

describe('which proofs are refused (RFC 9449 §4.3)', () => {
  test.each([
    ['two DPoP headers', 'multiple'],
    ['a proof with a comma', 'comma'],
  ])('%s: invalid_dpop_proof', async (_name, kind) => {
    const token = await boundToken()
    const proofs =
      kind === 'multiple'
        ? [await proofFor(token), await proofFor(token)]
        : [`${await proofFor(token)},${await proofFor(token)}`]
    const result = await dpop(token, proofs)
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf(undefined, proofError('The request carries more than one DPoP proof')))
  })

  test('not a JWT, or not a canonical compact JWS: malformed', async () => {
    const token = await boundToken()
    for (const proof of ['garbage', 'a.b', `${await proofFor(token)}.x`, 'x'.repeat(9000)]) {
      const result = await dpop(token, [proof])
      expect(result.status).toBe(401)
      expect(result.body?.error_description).toBe('The DPoP proof is malformed')
    }
  })

  test('a proof over 8 KiB is refused even though every claim in it is right', async () => {
    const token = await boundToken()
    const result = await dpop(token, [await proofFor(token, { extra: { padding: 'x'.repeat(7000) } })])
    expect(result.status).toBe(401)
    expect(result.body?.error_description).toBe('The DPoP proof is malformed')
    expect((await dpop(token, [await proofFor(token, { extra: { padding: 'x'.repeat(5000) } })])).status).toBe(200)
  })

  test('a signature spelt with non-zero spare bits (non-canonical base64url) is refused', async () => {
    const token = await boundToken()
    const proof = await proofFor(token)
    // An ES256 signature is 64 bytes: the last base64url character carries 4 spare bits, which decoders ignore.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(proof.at(-1) as string)
    const twin = `${proof.slice(0, -1)}${alphabet[last | 1]}`
    expect(twin).not.toBe(proof)
    const result = await dpop(token, [twin])
    expect(result.status).toBe(401)
    expect(result.body?.error_description).toBe('The DPoP proof is malformed')
  })

  test('typ other than dpop+jwt: refused; application/dpop+jwt and any case: accepted', async () => {
    const token = await boundToken()
    for (const typ of ['JWT', 'at+jwt', null]) {
      const result = await dpop(token, [await proofFor(token, {}, { typ })])
      expect(result.body?.error_description).toBe('The DPoP proof has a type that is not accepted')
    }
    for (const typ of ['application/dpop+jwt', 'DPoP+JWT']) {
      expect((await dpop(token, [await proofFor(token, {}, { typ })])).status).toBe(200)
    }
  })

  test('alg none, or HS256 keyed with the public key: refused before any key is used', async () => {
    const token = await boundToken()
    const claims = { jti: crypto.randomUUID(), htm: 'GET', htu: URL_PRIVATE, iat: now(), ath: tokenHash(token) }
    const none = await craftToken({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk }, claims)
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk))
    const hs256 = await craftToken({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.publicJwk }, claims, (input) =>
      hmacSha256(secret, input),
    )
    for (const proof of [none, hs256]) {
      const result = await dpop(token, [proof])
      expect(result.status).toBe(401)
      expect(result.body?.error_description).toBe('The DPoP proof is signed with an algorithm that is not accepted')
    }
  })

  test('an algorithm left out of AUTH0_DPOP_ALGORITHMS is refused, and the challenge lists the allowed ones', async () => {
    const strict = createTestApi(issuer, { clock, env: { AUTH0_DPOP_ALGORITHMS: 'ES256' } })
    const rsaKey = await generateDpopKey('PS256')
    const token = await boundToken(rsaKey)
    const result = await call(strict.app, {
      authorization: `DPoP ${token}`,
      proofs: [await proofFor(token, {}, {}, rsaKey)],
    })
    expect(result.status).toBe(401)
    expect(result.challenge).toEndWith(
      `DPoP ${proofError('The DPoP proof is signed with an algorithm that is not accepted')}, algs="ES256", ${RESOURCE_METADATA}`,
    )
  })

  test('a private key in jwk: refused (RFC 9449 §4.3 (7)), even though the signature verifies', async () => {
    const token = await boundToken()
    const result = await dpop(token, [await proofFor(token, {}, { jwk: key.privateJwk })])
    expect(result.status).toBe(401)
    expect(result.body?.error_description).toBe('The DPoP proof key must be a public key')
  })

  test('a jwk of the wrong type, a symmetric key, or a short RSA key: refused', async () => {
    const token = await boundToken()
    const rsa1024 = await generateTestKey('RS256')
    for (const jwk of [
      { kty: 'RSA', n: rsa1024.publicJwk.n, e: rsa1024.publicJwk.e },
      { kty: 'oct', k: 'c2VjcmV0' },
      'not a key',
      { ...key.publicJwk, crv: 'P-384' },
    ]) {
      const result = await dpop(token, [await proofFor(token, {}, { jwk })])
      expect(result.status).toBe(401)
      expect(result.body?.error).toBe('invalid_dpop_proof')
    }
    // jose will not sign with an RSA key under 2,048 bits: WebCrypto does.
    const small = await generateRsaKeyOfSize(1024)
    const bound = await boundToken(small)
    const claims = { jti: crypto.randomUUID(), htm: 'GET', htu: URL_PRIVATE, iat: now(), ath: tokenHash(bound) }
    const proof = await craftToken(
      { alg: 'PS256', typ: 'dpop+jwt', jwk: small.publicJwk },
      claims,
      async (input) =>
        new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, small.privateKey, input)),
    )
    const tooShort = await call(api.app, { authorization: `DPoP ${bound}`, proofs: [proof] })
    expect(tooShort.status).toBe(401)
    expect(tooShort.body?.error_description).toBe('The DPoP proof key is not accepted')
  })

  test('a signature by another key than the jwk: refused', async () => {
    const token = await boundToken()
    const other = await generateDpopKey('ES256')
    const result = await dpop(token, [await proofFor(token, {}, { jwk: key.publicJwk }, other)])
    expect(result.body?.error_description).toBe('The DPoP proof signature is invalid')
  })

  test('each required claim missing: refused; a jti longer than 256 characters: refused', async () => {
    const token = await boundToken()
    for (const name of ['jti', 'htm', 'htu', 'iat', 'ath']) {
      const base = { jti: crypto.randomUUID(), htm: 'GET', htu: URL_PRIVATE, iat: now(), ath: tokenHash(token) }
      const result = await dpop(token, [
        await signDpopProof(key, { htm: 'GET', htu: URL_PRIVATE, extra: { ...base, [name]: undefined } }),
      ])
      expect(result.body?.error_description).toBe('The DPoP proof lacks a required claim')
    }
    const long = await dpop(token, [await proofFor(token, { jti: 'j'.repeat(257) })])
    expect(long.body?.error_description).toBe('The DPoP proof has a claim with an invalid value')
    const numeric = await dpop(token, [await proofFor(token, { extra: { iat: '1700000000' } })])
    expect(numeric.body?.error_description).toBe('The DPoP proof has a claim with an invalid value')
  })

  test('htm of another method, or in lower case: refused', async () => {
    const token = await boundToken()
    for (const htm of ['POST', 'get']) {
      const result = await dpop(token, [await proofFor(token, { htm })])
      expect(result.body?.error_description).toBe('The DPoP proof is for another HTTP method')
    }
  })

  test('ath of another token: refused (the proof was made for another token)', async () => {
    const token = await boundToken()
    const other = await boundToken(key, { sub: 'someone-else' })
    const result = await dpop(token, [await proofFor(other)])
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf(undefined, proofError('The DPoP proof is for another access token')))
  })
})

describe('htu: the request URI, normalised (RFC 9449 §4.3, RFC 3986 §6)', () => {
  test.each([
    ['the same URL', URL_PRIVATE, URL_PRIVATE],
    ['a query in the request only', 'http://localhost/api/private?page=2', URL_PRIVATE],
    ['a query and fragment in htu only', URL_PRIVATE, 'http://localhost/api/private?x=1#top'],
    ['upper-case scheme and host in htu', URL_PRIVATE, 'HTTP://LOCALHOST/api/private'],
    ['the default port in htu', URL_PRIVATE, 'http://localhost:80/api/private'],
    ['the default port in the request', 'http://localhost:80/api/private', URL_PRIVATE],
    ['an encoded unreserved character in htu', URL_PRIVATE, 'http://localhost/api/%70rivate'],
    ['a dot segment in htu', URL_PRIVATE, 'http://localhost/api/x/../private'],
  ])('%s: accepted', async (_name, url, htu) => {
    const token = await boundToken()
    expect((await dpop(token, [await proofFor(token, { htu })], { url })).status).toBe(200)
  })

  test.each([
    ['a trailing slash in htu', URL_PRIVATE, 'http://localhost/api/private/'],
    ['another path', URL_PRIVATE, 'http://localhost/api/private-scoped'],
    ['another path case', URL_PRIVATE, 'http://localhost/api/Private'],
    ['another host', URL_PRIVATE, 'http://127.0.0.2/api/private'],
    ['another scheme', URL_PRIVATE, 'https://localhost/api/private'],
    ['another port', URL_PRIVATE, 'http://localhost:8080/api/private'],
    ['user information', URL_PRIVATE, 'http://user@localhost/api/private'],
    ['a relative reference', URL_PRIVATE, '/api/private'],
  ])('%s: refused', async (_name, url, htu) => {
    const token = await boundToken()
    const result = await dpop(token, [await proofFor(token, { htu })], { url })
    expect(result.status).toBe(401)
    expect(result.body?.error_description).toBe('The DPoP proof is for another URL')
  })

  test('behind a proxy: PUBLIC_ORIGIN is what htu names, not the URL the server sees', async () => {
    const behind = createTestApi(issuer, { clock, env: { PUBLIC_ORIGIN: 'https://api.example.test' } })
    const token = await boundToken()
    const authorization = `DPoP ${token}`
    const publicProof = await proofFor(token, { htu: 'https://api.example.test/api/private' })
    expect((await call(behind.app, { authorization, proofs: [publicProof] })).status).toBe(200)
    const internal = await call(behind.app, { authorization, proofs: [await proofFor(token)] })
    expect(internal.body?.error_description).toBe('The DPoP proof is for another URL')
  })

  test('AUTH0_TRUST_PROXY: X-Forwarded-Proto and X-Forwarded-Host make the origin; without it they are ignored', async () => {
    const trusting = createTestApi(issuer, { clock, env: { AUTH0_TRUST_PROXY: 'true' } })
    const token = await boundToken()
    const forwarded = (app: typeof api.app, proof: string) =>
      app.handle(
        new Request(URL_PRIVATE, {
          headers: {
            authorization: `DPoP ${token}`,
            dpop: proof,
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'API.example.test',
          },
        }),
      )
    const htu = 'https://api.example.test/api/private'
    expect((await forwarded(trusting.app, await proofFor(token, { htu }))).status).toBe(200)
    expect((await forwarded(api.app, await proofFor(token, { htu }))).status).toBe(401)
    expect((await forwarded(api.app, await proofFor(token))).status).toBe(200)
  })
})

describe('iat: from 300 s in the past to 30 s in the future (AUTH0_DPOP_IAT_OFFSET, AUTH0_DPOP_IAT_LEEWAY)', () => {
  test.each([
    ['now − 300 s', -300, 200],
    ['now − 301 s', -301, 401],
    ['now + 30 s', 30, 200],
    ['now + 31 s', 31, 401],
  ])('%s: %i', async (_name, offset, status) => {
    const token = await boundToken()
    const result = await dpop(token, [await proofFor(token, { iat: now() + offset })])
    expect(result.status).toBe(status)
    if (status === 401) expect(result.body?.error_description).toBe('The DPoP proof is too old or issued in the future')
  })

  test('the window follows the configuration', async () => {
    const narrow = createTestApi(issuer, { clock, env: { AUTH0_DPOP_IAT_OFFSET: '10', AUTH0_DPOP_IAT_LEEWAY: '0' } })
    const token = await boundToken()
    const status = async (offset: number) =>
      (
        await call(narrow.app, {
          authorization: `DPoP ${token}`,
          proofs: [await proofFor(token, { iat: now() + offset })],
        })
      ).status
    expect([await status(-10), await status(-11), await status(0), await status(1)]).toEqual([200, 401, 200, 401])
  })

  test('a proof is remembered past its window, so it cannot come back when the clock moves', async () => {
    const token = await boundToken()
    const proof = await proofFor(token, { iat: now() + 30 })
    expect((await dpop(token, [proof])).status).toBe(200)
    clock.advance(330_000)
    expect((await dpop(token, [proof])).body?.error_description).toBe('The DPoP proof has already been used')
    clock.advance(31_000)
    expect((await dpop(token, [proof])).body?.error_description).toBe(
      'The DPoP proof is too old or issued in the future',
    )
  })
})

describe('binding (RFC 9449 §6, §7.1, §7.2)', () => {
  test('a proof from another key than cnf.jkt: invalid_token "Invalid DPoP key binding" on the DPoP challenge', async () => {
    const token = await boundToken()
    const other = await generateDpopKey('ES256')
    const result = await dpop(token, [await proofFor(token, {}, {}, other)])
    expect(result.status).toBe(401)
    expect(result.challenge).toBe(challengeOf(undefined, errorParams('invalid_token', 'Invalid DPoP key binding')))
  })

  test('an unbound token with the DPoP scheme: invalid_token', async () => {
    const token = await boundToken(null)
    const result = await dpop(token, [await proofFor(token)])
    expect(result.body).toEqual({ error: 'invalid_token', error_description: 'Invalid DPoP key binding' })
  })

  test('a bound token sent as Bearer: refused (downgrade), the error on the Bearer challenge', async () => {
    for (const cnf of [{ jkt: key.thumbprint }, { 'x5t#S256': 'certificate-thumbprint' }]) {
      const token = await boundToken(null, { cnf })
      const result = await call(api.app, { authorization: `Bearer ${token}` })
      expect(result.status).toBe(401)
      expect(result.challenge).toBe(
        challengeOf(
          errorParams('invalid_token', 'The access token is bound to a key and must be sent with the DPoP scheme'),
        ),
      )
    }
  })

  test('a DPoP proof with a Bearer token: 400 invalid_request on both challenges (ambiguous, RFC 9449 §7.2)', async () => {
    const token = await boundToken(null)
    const result = await call(api.app, { authorization: `Bearer ${token}`, proofs: [await proofFor(token)] })
    expect(result.status).toBe(400)
    const error = errorParams('invalid_request', 'A DPoP proof was sent with the Bearer authentication scheme')
    expect(result.challenge).toBe(challengeOf(error, error))
  })

  test('403 insufficient_scope for a DPoP request: the DPoP challenge only, with scope and resource_metadata', async () => {
    const token = await boundToken(key, { scope: 'write:messages' })
    const result = await dpop(token, [await proofFor(token, { htu: 'http://localhost/api/private-scoped' })], {
      url: 'http://localhost/api/private-scoped',
    })
    expect(result.status).toBe(403)
    expect(result.challenge).toBe(
      `DPoP ${errorParams('insufficient_scope', 'The access token does not grant the required scope')}, scope="read:messages", ${DPOP_ALGS}, ${RESOURCE_METADATA}`,
    )
  })
})

describe('modes (AUTH0_DPOP_MODE)', () => {
  test('required: Bearer is another scheme (401, a DPoP challenge without error); DPoP works', async () => {
    const required = createTestApi(issuer, { clock, env: { AUTH0_DPOP_MODE: 'required' } })
    const plain = await boundToken(null)
    const bearer = await call(required.app, { authorization: `Bearer ${plain}` })
    expect(bearer.status).toBe(401)
    expect(bearer.challenge).toBe(`DPoP ${DPOP_ALGS}, ${RESOURCE_METADATA}`)
    expect(bearer.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication with a DPoP-bound access token required',
    })
    expect((await call(required.app, {})).challenge).toBe(`DPoP ${DPOP_ALGS}, ${RESOURCE_METADATA}`)
    const token = await boundToken()
    expect((await call(required.app, { authorization: `DPoP ${token}`, proofs: [await proofFor(token)] })).status).toBe(
      200,
    )
  })

  test('disabled: the DPoP scheme is another scheme, DPoP headers are not read, bound tokens stay refused', async () => {
    const disabled = createTestApi(issuer, { clock, env: { AUTH0_DPOP_MODE: 'disabled' } })
    const token = await boundToken()
    const asDpop = await call(disabled.app, { authorization: `DPoP ${token}`, proofs: [await proofFor(token)] })
    expect(asDpop.status).toBe(401)
    expect(asDpop.challenge).toBe(`Bearer realm="api", ${RESOURCE_METADATA}`)
    const plain = await boundToken(null)
    expect((await call(disabled.app, { authorization: `Bearer ${plain}`, proofs: ['ignored'] })).status).toBe(200)
    expect((await call(disabled.app, { authorization: `Bearer ${token}` })).body?.error_description).toBe(
      'The access token is bound to a key and must be sent with the DPoP scheme',
    )
  })
})

describe('server nonces (AUTH0_DPOP_NONCE, RFC 9449 §9)', () => {
  const secret = 'a shared secret of at least thirty-two bytes'
  const nonceEnv = { AUTH0_DPOP_NONCE: 'true', AUTH0_DPOP_NONCE_SECRET: secret }

  test('no nonce: 401 use_dpop_nonce with DPoP-Nonce; the nonce in the next proof: 200', async () => {
    const withNonces = createTestApi(issuer, { clock, env: nonceEnv })
    const token = await boundToken()
    const authorization = `DPoP ${token}`
    const first = await call(withNonces.app, { authorization, proofs: [await proofFor(token)] })
    expect(first.status).toBe(401)
    expect(first.challenge).toBe(
      challengeOf(undefined, errorParams('use_dpop_nonce', 'The resource server requires a nonce in the DPoP proof')),
    )
    expect(first.headers.get('cache-control')).toBe('no-store')
    const nonce = first.headers.get('dpop-nonce')
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{30}$/)
    const second = await call(withNonces.app, {
      authorization,
      proofs: [await proofFor(token, { nonce: String(nonce) })],
    })
    expect(second.status).toBe(200)
  })

  test('a nonce another instance with the same secret issued is accepted; a forged or foreign one is not', async () => {
    const one = createTestApi(issuer, { clock, env: nonceEnv })
    const two = createTestApi(issuer, { clock, env: nonceEnv })
    const other = createTestApi(issuer, {
      clock,
      env: { ...nonceEnv, AUTH0_DPOP_NONCE_SECRET: 'another secret of at least thirty-two bytes' },
    })
    const token = await boundToken()
    const authorization = `DPoP ${token}`
    const nonce = String(
      (await call(one.app, { authorization, proofs: [await proofFor(token)] })).headers.get('dpop-nonce'),
    )
    expect((await call(two.app, { authorization, proofs: [await proofFor(token, { nonce })] })).status).toBe(200)
    const foreign = await call(other.app, { authorization, proofs: [await proofFor(token, { nonce })] })
    expect(foreign.status).toBe(401)
    expect(foreign.body?.error).toBe('use_dpop_nonce')
    expect(foreign.headers.get('dpop-nonce')).not.toBe(nonce)
    const forged = `${nonce.slice(0, 20)}${nonce.slice(20).split('').reverse().join('')}`
    expect((await call(one.app, { authorization, proofs: [await proofFor(token, { nonce: forged })] })).status).toBe(
      401,
    )
  })

  test('rotation: a nonce of the last window is accepted with the next one in DPoP-Nonce; an older one is stale', async () => {
    const withNonces = createTestApi(issuer, { clock, env: nonceEnv })
    const token = await boundToken(key, { exp: now() + 7200 })
    const authorization = `DPoP ${token}`
    const nonce = String(
      (await call(withNonces.app, { authorization, proofs: [await proofFor(token)] })).headers.get('dpop-nonce'),
    )
    clock.advance(300_000)
    const aged = await call(withNonces.app, { authorization, proofs: [await proofFor(token, { nonce })] })
    expect(aged.status).toBe(200)
    const next = aged.headers.get('dpop-nonce')
    expect(next).not.toBeNull()
    expect(next).not.toBe(nonce)
    clock.advance(300_000)
    const stale = await call(withNonces.app, { authorization, proofs: [await proofFor(token, { nonce })] })
    expect(stale.status).toBe(401)
    expect(stale.body?.error).toBe('use_dpop_nonce')
    expect([nonce, next]).not.toContain(stale.headers.get('dpop-nonce'))
    expect(
      (await call(withNonces.app, { authorization, proofs: [await proofFor(token, { nonce: String(next) })] })).status,
    ).toBe(200)
  })
})

describe('every DPoP refusal', () => {
  test('is no-store, with a fixed description from the known set and the challenges of the mode', async () => {
    const token = await boundToken()
    const fixed = new Set([
      'The request carries more than one DPoP proof',
      'The DPoP proof is malformed',
      'The DPoP proof is for another URL',
      'The DPoP proof is for another HTTP method',
      'The DPoP proof is too old or issued in the future',
    ])
    for (const proofs of [
      ['a', 'b'],
      ['garbage'],
      [await proofFor(token, { htu: 'http://localhost/other' })],
      [await proofFor(token, { htm: 'DELETE' })],
      [await proofFor(token, { iat: now() - 3600 })],
    ]) {
      const result = await dpop(token, proofs)
      expect(result.status).toBe(401)
      expect(result.headers.get('cache-control')).toBe('no-store')
      expect(fixed.has(String(result.body?.error_description))).toBe(true)
      expect(result.challenge).toStartWith(`Bearer realm="api", ${RESOURCE_METADATA}, DPoP error="invalid_dpop_proof"`)
      expect(result.challenge).not.toContain(token)
    }
  })
})

/** An RSA-PSS key pair of `bits` bits (jose's generateKeyPair refuses below 2048, WebCrypto does not). */
async function generateRsaKeyOfSize(bits: number): Promise<DpopTestKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
  const publicJwk = await exportJWK(pair.publicKey)
  return {
    alg: 'PS256',
    privateKey: pair.privateKey,
    publicJwk,
    privateJwk: await exportJWK(pair.privateKey),
    thumbprint: await calculateJwkThumbprint(publicJwk),
  }
}
