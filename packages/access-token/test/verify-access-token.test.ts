import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { craftToken, generateTestKey, hmacSha256, type IssuerStub, signToken, startIssuerStub } from '@repo/testing'
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  createRemoteKeySet,
  InvalidTokenError,
  type InvalidTokenReason,
} from '../src/index.ts'

const audience = 'https://api.example.test'
let issuer: IssuerStub
let verifier: AccessTokenVerifier

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
  const keys = createRemoteKeySet({ source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri } })
  verifier = createAccessTokenVerifier({ keys, audience })
})
afterAll(() => issuer.close())

async function reasonOf(token: string): Promise<InvalidTokenReason | 'accepted'> {
  try {
    await verifier.verify(token)
    return 'accepted'
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason
    throw error
  }
}

const now = () => Math.floor(Date.now() / 1000)

describe('createAccessTokenVerifier: valid tokens', () => {
  test('accepts a token and exposes claims, scopes and permissions', async () => {
    const token = await issuer.mint({ scope: 'read:messages  write:messages', permissions: ['read:admin', 7] })
    const principal = await verifier.verify(token)
    expect(principal.claims.sub).toBe('client-1@clients')
    expect(principal.claims.iss).toBe(issuer.issuer)
    expect([...principal.scopes]).toEqual(['read:messages', 'write:messages'])
    expect([...principal.permissions]).toEqual(['read:admin'])
  })

  test('accepts typ JWT, at+jwt, application/at+jwt and no typ', async () => {
    for (const typ of ['JWT', 'at+jwt', 'application/at+JWT', null]) {
      expect(await reasonOf(await issuer.mint({}, { header: { typ } }))).toBe('accepted')
    }
  })

  test('accepts an audience array containing the API', async () => {
    expect(await reasonOf(await issuer.mint({ aud: ['https://other', audience] }))).toBe('accepted')
  })

  test('tolerates clock skew within 5 seconds', async () => {
    expect(await reasonOf(await issuer.mint({ exp: now() - 3, nbf: now() + 3, iat: now() + 3 }))).toBe('accepted')
  })
})

describe('createAccessTokenVerifier: refused tokens', () => {
  test('alg none', async () => {
    const claims = { iss: issuer.issuer, aud: audience, exp: now() + 60 }
    // An unsecured JWS has an empty signature: refused before any decoding.
    expect(await reasonOf(await craftToken({ alg: 'none', typ: 'JWT' }, claims))).toBe('malformed')
    const withSignature = await craftToken({ alg: 'none' }, claims, () => new Uint8Array([1, 2, 3]))
    expect(await reasonOf(withSignature)).toBe('algorithm')
  })

  test('HS256 signed with the published public key as the secret', async () => {
    const jwk = issuer.signingKey.publicJwk
    const secret = new TextEncoder().encode(JSON.stringify(jwk))
    const token = await craftToken(
      { alg: 'HS256', typ: 'JWT', kid: issuer.signingKey.kid },
      { iss: issuer.issuer, aud: audience, exp: now() + 60 },
      (input) => hmacSha256(secret, input),
    )
    expect(await reasonOf(token)).toBe('algorithm')
  })

  test('an algorithm outside the allowlist (ES256)', async () => {
    const key = await generateTestKey('ES256', issuer.signingKey.kid)
    expect(await reasonOf(await signToken(key, { iss: issuer.issuer, aud: audience, exp: now() + 60 }))).toBe(
      'algorithm',
    )
  })

  test('a foreign key under a published kid', async () => {
    const foreign = await generateTestKey('RS256', issuer.signingKey.kid)
    expect(await reasonOf(await issuer.mint({}, { key: foreign }))).toBe('signature')
  })

  test('a tampered payload', async () => {
    const [header, , signature] = (await issuer.mint({ scope: 'read' })).split('.')
    const payload = Buffer.from(
      JSON.stringify({ iss: issuer.issuer, aud: audience, exp: now() + 60, scope: 'read:messages' }),
    ).toString('base64url')
    expect(await reasonOf(`${header}.${payload}.${signature}`)).toBe('signature')
  })

  test('a wrong issuer, with and without the trailing slash', async () => {
    expect(await reasonOf(await issuer.mint({ iss: 'https://evil.example/' }))).toBe('issuer')
    expect(await reasonOf(await issuer.mint({ iss: issuer.baseUrl }))).toBe('issuer')
    expect(await reasonOf(await issuer.mint({ iss: `${issuer.issuer}/` }))).toBe('issuer')
  })

  test('a wrong audience', async () => {
    expect(await reasonOf(await issuer.mint({ aud: 'https://other.example' }))).toBe('audience')
    expect(await reasonOf(await issuer.mint({ aud: [] }))).toBe('audience')
  })

  test('expired beyond the tolerance', async () => {
    expect(await reasonOf(await issuer.mint({ exp: now() - 10 }))).toBe('expired')
  })

  test('nbf in the future beyond the tolerance', async () => {
    expect(await reasonOf(await issuer.mint({ nbf: now() + 60 }))).toBe('not_yet_valid')
  })

  test('iat in the future beyond the tolerance', async () => {
    expect(await reasonOf(await issuer.mint({ iat: now() + 60 }))).toBe('issued_in_future')
  })

  test('missing exp, iss or aud', async () => {
    expect(await reasonOf(await issuer.mint({ exp: undefined }))).toBe('missing_claim')
    expect(await reasonOf(await issuer.mint({ iss: undefined }))).toBe('missing_claim')
    expect(await reasonOf(await issuer.mint({ aud: undefined }))).toBe('missing_claim')
  })

  test('claims of the wrong type', async () => {
    expect(await reasonOf(await issuer.mint({ exp: '9999999999' as unknown as number }))).toBe('invalid_claim')
    expect(await reasonOf(await issuer.mint({ scope: ['read:messages'] as unknown as string }))).toBe('invalid_claim')
    expect(await reasonOf(await issuer.mint({ sub: 42 as unknown as string }))).toBe('invalid_claim')
  })

  test('an unknown crit header parameter', async () => {
    // jose refuses to sign it, so sign the raw input with the issuer's key.
    const token = await craftToken(
      { alg: 'RS256', kid: issuer.signingKey.kid, crit: ['urn:example:unknown'], 'urn:example:unknown': 1 },
      { iss: issuer.issuer, aud: audience, exp: now() + 60 },
      async (input) =>
        new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', issuer.signingKey.privateKey, input)),
    )
    expect(await reasonOf(token)).toBe('malformed')
  })

  test('b64: false is refused', async () => {
    const token = await craftToken(
      { alg: 'RS256', kid: issuer.signingKey.kid, b64: false, crit: ['b64'] },
      { iss: issuer.issuer, aud: audience, exp: now() + 60 },
    )
    expect(await reasonOf(token)).toBe('malformed')
  })

  test('an unaccepted typ (an ID token or a logout token)', async () => {
    expect(await reasonOf(await issuer.mint({}, { header: { typ: 'logout+jwt' } }))).toBe('type')
    expect(await reasonOf(await issuer.mint({}, { header: { typ: 'dpop+jwt' } }))).toBe('type')
  })

  test('an unknown kid', async () => {
    const stranger = await generateTestKey('RS256', 'nobody-knows-me')
    expect(await reasonOf(await issuer.mint({}, { key: stranger }))).toBe('unknown_key')
  })

  test('malformed compact serialisations', async () => {
    const valid = await issuer.mint()
    const [h, p, s] = valid.split('.') as [string, string, string]
    const cases = [
      'abc',
      'a.b',
      `${h}.${p}`,
      `${h}.${p}.${s}.extra`,
      `${h}..${s}`,
      `.${p}.${s}`,
      `${h}.${p}.`,
      `${h}!.${p}.${s}`,
      `${Buffer.from('not json').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('[]').toString('base64url')}.${p}.${s}`,
      `${h}.${Buffer.from('"str"').toString('base64url')}.${s}`,
      `${'A'.repeat(5000)}.${p}.${s}`,
    ]
    for (const token of cases) expect(await reasonOf(token)).not.toBe('accepted')
  })

  test('a payload segment over 16 KiB, even when the issuer signed it', async () => {
    // 11,500 filler characters make a payload segment of about 15.6 KiB, 12,500 about 17 KiB.
    const under = await issuer.mint({ filler: 'x'.repeat(11_500) })
    const over = await issuer.mint({ filler: 'x'.repeat(12_500) })
    expect((under.split('.')[1] as string).length).toBeLessThanOrEqual(16 * 1024)
    expect((over.split('.')[1] as string).length).toBeGreaterThan(16 * 1024)
    expect(await reasonOf(under)).toBe('accepted')
    expect(await reasonOf(over)).toBe('malformed')
  })

  test('a signature spelled with non-zero spare bits in its last character', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const token = await issuer.mint()
    const [h, p, s] = token.split('.') as [string, string, string]
    // An RS256 signature is 256 bytes: 342 characters, the last one carrying 2 data bits and 4 spare bits.
    expect(s.length % 4).toBe(2)
    const last = alphabet.indexOf(s.at(-1) as string)
    const respelled = `${s.slice(0, -1)}${alphabet[last + 1]}`
    // The same bytes once decoded: only the text differs.
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(s, 'base64url'))
    expect(await reasonOf(token)).toBe('accepted')
    expect(await reasonOf(`${h}.${p}.${respelled}`)).toBe('malformed')
  })
})

describe('createAccessTokenVerifier: before the keys', () => {
  test('a broken or wrongly typed token is a 401 even while the issuer is unreachable', async () => {
    const down = createAccessTokenVerifier({
      keys: createRemoteKeySet({
        source: { issuer: issuer.issuer, jwksUri: 'http://127.0.0.1:9/jwks' },
        autoRefresh: false,
      }),
      audience,
    })
    const valid = await issuer.mint()
    await expect(down.verify(valid)).rejects.toMatchObject({ status: 503 })
    await expect(down.verify('a.b.c')).rejects.toMatchObject({ status: 401, reason: 'malformed' })
    await expect(down.verify(await issuer.mint({}, { header: { typ: 'dpop+jwt' } }))).rejects.toMatchObject({
      status: 401,
      reason: 'type',
    })
    const es = await generateTestKey('ES256')
    await expect(down.verify(await signToken(es, { iss: issuer.issuer }))).rejects.toMatchObject({
      status: 401,
      reason: 'algorithm',
    })
  })
})

describe('createAccessTokenVerifier: a token without kid', () => {
  test('is verified against each key of its type when the set holds several', async () => {
    const second = await issuer.rotate()
    try {
      // Signed by the newer key, so the first candidate fails its signature and the second is tried.
      const token = await issuer.mint({}, { header: { kid: null } })
      const keys = createRemoteKeySet({
        source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
        autoRefresh: false,
      })
      const v = createAccessTokenVerifier({ keys, audience })
      await expect(v.verify(token)).resolves.toBeDefined()
      await expect(v.verify(await issuer.mint({ exp: now() - 60 }, { header: { kid: null } }))).rejects.toMatchObject({
        reason: 'expired',
      })
      const stranger = await generateTestKey('RS256')
      await expect(v.verify(await issuer.mint({}, { key: stranger, header: { kid: null } }))).rejects.toMatchObject({
        reason: 'signature',
      })
    } finally {
      issuer.keys = issuer.keys.filter((key) => key !== second)
      issuer.signingKey = issuer.keys[0] ?? issuer.signingKey
    }
  })
})

describe('createAccessTokenVerifier: options', () => {
  test('rejects bad options when created', () => {
    const keys = { issuer: async () => 'x', getKey: async () => ({}) as CryptoKey }
    expect(() => createAccessTokenVerifier({ keys, audience: '' })).toThrow(TypeError)
    expect(() => createAccessTokenVerifier({ keys, audience, algorithms: [] })).toThrow('"algorithms"')
    expect(() => createAccessTokenVerifier({ keys, audience, algorithms: ['HS256' as 'RS256'] })).toThrow(
      '"algorithms"',
    )
    expect(() => createAccessTokenVerifier({ keys, audience, clockToleranceSeconds: -1 })).toThrow(
      '"clockToleranceSeconds"',
    )
  })

  test('strict RFC 9068 mode requires at+jwt and the profile claims', async () => {
    const keys = createRemoteKeySet({ source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri } })
    const strict = createAccessTokenVerifier({ keys, audience, strict: true })
    const claims = { client_id: 'c1', jti: 'j1' }
    await expect(strict.verify(await issuer.mint(claims, { header: { typ: 'at+jwt' } }))).resolves.toBeDefined()
    await expect(strict.verify(await issuer.mint(claims))).rejects.toMatchObject({ reason: 'type' })
    await expect(strict.verify(await issuer.mint(claims, { header: { typ: null } }))).rejects.toMatchObject({
      reason: 'type',
    })
    await expect(strict.verify(await issuer.mint({ jti: 'j1' }, { header: { typ: 'at+jwt' } }))).rejects.toMatchObject({
      reason: 'missing_claim',
      claim: 'client_id',
    })
  })

  test('a maximum token age refuses old tokens', async () => {
    const keys = createRemoteKeySet({ source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri } })
    const bounded = createAccessTokenVerifier({ keys, audience, maxTokenAgeSeconds: 60 })
    await expect(bounded.verify(await issuer.mint())).resolves.toBeDefined()
    await expect(bounded.verify(await issuer.mint({ iat: now() - 120 }))).rejects.toMatchObject({ reason: 'too_old' })
  })

  test('other algorithms can be allowed (ES256)', async () => {
    const es = await startIssuerStub({ audience, alg: 'ES256' })
    try {
      const keys = createRemoteKeySet({ source: { issuer: es.issuer, jwksUri: es.jwksUri } })
      const v = createAccessTokenVerifier({ keys, audience, algorithms: ['ES256'] })
      await expect(v.verify(await es.mint())).resolves.toBeDefined()
      const rsOnly = createAccessTokenVerifier({ keys, audience })
      await expect(rsOnly.verify(await es.mint())).rejects.toMatchObject({ reason: 'algorithm' })
    } finally {
      await es.close()
    }
  })
})
