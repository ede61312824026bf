import { beforeAll, describe, expect, test } from 'bun:test'
import { craftToken, generateTestKey, hmacSha256, signToken, type TestKey } from '@repo/testing'
import type { JWK } from 'jose'
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  createLocalKeys,
  InvalidTokenError,
  type InvalidTokenReason,
  type IssuerKeys,
  IssuerUnavailableError,
  MAX_CANDIDATE_KEYS,
  type PublishedKey,
} from '../src/index.ts'

// Verification over an in-memory key set: fetching and caching keys is remote-key-set.test.ts's concern.
const issuer = 'https://issuer.example.test/'
const audience = 'https://api.example.test'
let key: TestKey
let verifier: AccessTokenVerifier

const now = () => Math.floor(Date.now() / 1000)

function verifierOver(keys: readonly (TestKey | JWK)[], options: Partial<AccessTokenVerifierOptions> = {}) {
  const jwks = { keys: keys.map((k) => ('publicJwk' in k ? k.publicJwk : k)) }
  return createAccessTokenVerifier({ keys: createLocalKeys({ issuer, jwks }), audience, ...options })
}

/** Signs sane claims (a claim set to `undefined` is left out) with `key` unless another one is given. */
function mint(claims: Record<string, unknown> = {}, options: { key?: TestKey; header?: Record<string, unknown> } = {}) {
  const payload: Record<string, unknown> = {
    iss: issuer,
    sub: 'client-1@clients',
    aud: audience,
    iat: now(),
    exp: now() + 3600,
    ...claims,
  }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  return signToken(options.key ?? key, payload, options.header === undefined ? {} : { header: options.header })
}

/** Signs a raw payload text (numbers JSON cannot produce, such as 1e309) with an RS256 key. */
async function signRaw(header: Record<string, unknown>, payloadText: string, with_ = key): Promise<string> {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', with_.privateKey, new TextEncoder().encode(input))
  return `${input}.${Buffer.from(signature).toString('base64url')}`
}

async function reasonOf(token: string, v = verifier): Promise<InvalidTokenReason | 'accepted'> {
  try {
    await v.verify(token)
    return 'accepted'
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason
    throw error
  }
}

beforeAll(async () => {
  key = await generateTestKey('RS256')
  verifier = verifierOver([key])
})

describe('valid tokens', () => {
  test('accepted, with claims, scopes and permissions exposed', async () => {
    const principal = await verifier.verify(
      await mint({ scope: 'read:messages  write:messages', permissions: ['read:admin', 7] }),
    )
    expect(principal.claims).toMatchObject({ sub: 'client-1@clients', iss: issuer })
    expect([...principal.scopes]).toEqual(['read:messages', 'write:messages'])
    expect([...principal.permissions]).toEqual(['read:admin'])
  })

  test('typ JWT, at+jwt, application/at+jwt, or none', async () => {
    for (const typ of ['JWT', 'at+jwt', 'application/at+JWT', null]) {
      expect(await reasonOf(await mint({}, { header: { typ } }))).toBe('accepted')
    }
  })

  test('an audience array containing the API', async () => {
    expect(await reasonOf(await mint({ aud: ['https://other', audience] }))).toBe('accepted')
  })

  test('clock skew within the 5 s tolerance', async () => {
    expect(await reasonOf(await mint({ exp: now() - 3, nbf: now() + 3, iat: now() + 3 }))).toBe('accepted')
  })
})

describe('refused tokens', () => {
  test('alg none', async () => {
    const claims = { iss: issuer, aud: audience, exp: now() + 60 }
    expect(await reasonOf(await craftToken({ alg: 'none', typ: 'JWT' }, claims))).toBe('malformed')
    expect(await reasonOf(await craftToken({ alg: 'none' }, claims, () => new Uint8Array([1, 2, 3])))).toBe('algorithm')
  })

  test('HS256 signed with the published public key as the secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk))
    const token = await craftToken(
      { alg: 'HS256', typ: 'JWT', kid: key.kid },
      { iss: issuer, aud: audience, exp: now() + 60 },
      (input) => hmacSha256(secret, input),
    )
    expect(await reasonOf(token)).toBe('algorithm')
  })

  test('an algorithm outside the allowlist', async () => {
    expect(await reasonOf(await mint({}, { key: await generateTestKey('ES256', key.kid) }))).toBe('algorithm')
  })

  test('a foreign key under a published kid, and a tampered payload', async () => {
    expect(await reasonOf(await mint({}, { key: await generateTestKey('RS256', key.kid) }))).toBe('signature')
    const [header, , signature] = (await mint({ scope: 'read' })).split('.')
    const payload = Buffer.from(JSON.stringify({ iss: issuer, aud: audience, exp: now() + 60, scope: 'admin' }))
    expect(await reasonOf(`${header}.${payload.toString('base64url')}.${signature}`)).toBe('signature')
  })

  test('a wrong issuer (with or without a trailing slash) or audience', async () => {
    expect(await reasonOf(await mint({ iss: 'https://evil.example/' }))).toBe('issuer')
    expect(await reasonOf(await mint({ iss: issuer.slice(0, -1) }))).toBe('issuer')
    expect(await reasonOf(await mint({ iss: `${issuer}/` }))).toBe('issuer')
    expect(await reasonOf(await mint({ aud: 'https://other.example' }))).toBe('audience')
    expect(await reasonOf(await mint({ aud: [] }))).toBe('audience')
  })

  test('expired, not yet valid, issued in the future', async () => {
    expect(await reasonOf(await mint({ exp: now() - 10 }))).toBe('expired')
    expect(await reasonOf(await mint({ nbf: now() + 60 }))).toBe('not_yet_valid')
    expect(await reasonOf(await mint({ iat: now() + 60 }))).toBe('issued_in_future')
  })

  test('missing exp, iss or aud', async () => {
    for (const claim of ['exp', 'iss', 'aud'])
      expect(await reasonOf(await mint({ [claim]: undefined }))).toBe('missing_claim')
  })

  test('claims of the wrong type', async () => {
    expect(await reasonOf(await mint({ exp: '9999999999' }))).toBe('invalid_claim')
    expect(await reasonOf(await mint({ scope: ['read:messages'] }))).toBe('invalid_claim')
    expect(await reasonOf(await mint({ sub: 42 }))).toBe('invalid_claim')
  })

  test('NumericDates must be finite: exp 1e309 parses to Infinity and would never expire', async () => {
    const header = { alg: 'RS256', kid: key.kid, typ: 'JWT' }
    const claims = `"iss":${JSON.stringify(issuer)},"aud":${JSON.stringify(audience)}`
    expect(await reasonOf(await signRaw(header, `{${claims},"exp":${now() + 60}}`))).toBe('accepted')
    expect(await reasonOf(await signRaw(header, `{${claims},"exp":1e309}`))).toBe('invalid_claim')
    expect(await reasonOf(await signRaw(header, `{${claims},"exp":${now() + 60},"iat":-1e309}`))).toBe('invalid_claim')
    expect(await reasonOf(await signRaw(header, `{${claims},"exp":${now() + 60},"nbf":-1e309}`))).toBe('invalid_claim')
  })

  test('aud arrays must hold strings only', async () => {
    expect(await reasonOf(await mint({ aud: [audience, 42] }))).toBe('invalid_claim')
    expect(await reasonOf(await mint({ aud: [audience, { evil: true }] }))).toBe('invalid_claim')
  })

  test('an unknown crit header parameter, and b64: false', async () => {
    const sign = async (input: Uint8Array<ArrayBuffer>) =>
      new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, input))
    const claims = { iss: issuer, aud: audience, exp: now() + 60 }
    const crit = await craftToken({ alg: 'RS256', kid: key.kid, crit: ['urn:x'], 'urn:x': 1 }, claims, sign)
    expect(await reasonOf(crit)).toBe('malformed')
    expect(
      await reasonOf(await craftToken({ alg: 'RS256', kid: key.kid, b64: false, crit: ['b64'] }, claims, sign)),
    ).toBe('malformed')
  })

  test('crit: only b64 set to true is understood (RFC 7797 payloads are never JWTs)', async () => {
    const sign = async (input: Uint8Array<ArrayBuffer>) =>
      new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, input))
    const claims = { iss: issuer, aud: audience, exp: now() + 60 }
    const withCrit = (extra: Record<string, unknown>) =>
      craftToken({ alg: 'RS256', kid: key.kid, ...extra }, claims, sign)
    expect(await reasonOf(await withCrit({ crit: ['b64'], b64: true }))).toBe('accepted')
    expect(await reasonOf(await withCrit({ b64: false }))).toBe('accepted') // b64 without crit is not in force
    for (const crit of [[], 'b64', [''], [1], ['exp']]) {
      expect(await reasonOf(await withCrit({ crit, b64: true }))).toBe('malformed')
    }
    expect(await reasonOf(await withCrit({ crit: ['b64'] }))).toBe('malformed')
    expect(await reasonOf(await withCrit({ crit: ['b64'], b64: 'true' }))).toBe('malformed')
  })

  test('a header or payload that is not UTF-8 is refused, not repaired (RFC 8725 §3.7)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid })).toString('base64url')
    const claims = `{"iss":${JSON.stringify(issuer)},"aud":${JSON.stringify(audience)},"exp":${now() + 60},"sub":"`
    const invalid = Buffer.concat([Buffer.from(claims), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])
    const input = `${header}.${invalid.toString('base64url')}`
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, new TextEncoder().encode(input))
    expect(await reasonOf(`${input}.${Buffer.from(signature).toString('base64url')}`)).toBe('malformed')
    const badHeader = Buffer.concat([Buffer.from('{"alg":"RS256","x":"'), Buffer.from([0xff]), Buffer.from('"}')])
    const [, p, sig] = (await mint()).split('.')
    expect(await reasonOf(`${badHeader.toString('base64url')}.${p}.${sig}`)).toBe('malformed')
  })

  test('an unaccepted typ (a logout token, a DPoP proof), and a kid that is not a string', async () => {
    expect(await reasonOf(await mint({}, { header: { typ: 'logout+jwt' } }))).toBe('type')
    expect(await reasonOf(await mint({}, { header: { typ: 'dpop+jwt' } }))).toBe('type')
    expect(await reasonOf(await mint({}, { header: { kid: 7 } }))).toBe('malformed')
  })

  test('an unknown kid', async () => {
    expect(await reasonOf(await mint({}, { key: await generateTestKey('RS256', 'nobody-knows-me') }))).toBe(
      'unknown_key',
    )
  })

  test('an opaque token (one segment, or a five-segment JWE as Auth0 issues without an audience) says what to do', async () => {
    for (const token of ['z0mB3Xq9aP1rT5uW', 'eyJhbGciOiJkaXIifQ..aGVsbG8.d29ybGQ.dGFn']) {
      const error = await verifier.verify(token).catch((e: unknown) => e)
      expect(error).toMatchObject({
        reason: 'not_a_jwt',
        message: 'The access token is opaque: request it with an audience (the API identifier)',
      })
    }
  })

  test('a wrong audience names the expected one (public: the resource metadata says it too)', async () => {
    const error = await verifier.verify(await mint({ aud: 'https://other.example' })).catch((e: unknown) => e)
    expect(error).toMatchObject({
      reason: 'audience',
      message: `The access token is not meant for this API: ask for a token with the audience ${audience}`,
    })
  })

  test('malformed compact serialisations', async () => {
    const [h, p, s] = (await mint()).split('.') as [string, string, string]
    for (const token of [
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
    ]) {
      expect(await reasonOf(token)).not.toBe('accepted')
    }
  })

  test('a payload segment over 16 KiB, even when the issuer signed it', async () => {
    const under = await mint({ filler: 'x'.repeat(11_500) })
    const over = await mint({ filler: 'x'.repeat(12_500) })
    expect((under.split('.')[1] as string).length).toBeLessThanOrEqual(16 * 1024)
    expect((over.split('.')[1] as string).length).toBeGreaterThan(16 * 1024)
    expect(await reasonOf(under)).toBe('accepted')
    expect(await reasonOf(over)).toBe('malformed')
  })

  test('a signature spelled with non-zero spare bits in its last character', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const token = await mint()
    const [h, p, s] = token.split('.') as [string, string, string]
    expect(s.length % 4).toBe(2) // 256 bytes: the last character carries 2 data bits and 4 spare bits
    const respelled = `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1) as string) + 1]}`
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(s, 'base64url'))
    expect(await reasonOf(token)).toBe('accepted')
    expect(await reasonOf(`${h}.${p}.${respelled}`)).toBe('malformed')
  })
})

describe('before the keys', () => {
  test('a broken or wrongly typed token is a 401 even while the keys cannot be had', async () => {
    const down: IssuerKeys = {
      issuer: async () => issuer,
      keysFor: async () => {
        throw new IssuerUnavailableError('network', 5)
      },
    }
    const v = createAccessTokenVerifier({ keys: down, audience })
    await expect(v.verify(await mint())).rejects.toMatchObject({ status: 503 })
    expect(await reasonOf('a.b.c', v)).toBe('malformed')
    expect(await reasonOf(await mint({}, { header: { typ: 'dpop+jwt' } }), v)).toBe('type')
    expect(await reasonOf(await mint({}, { key: await generateTestKey('ES256') }), v)).toBe('algorithm')
  })
})

describe('remembered headers', () => {
  test('more distinct headers than are remembered: each still judged on its own, per verifier', async () => {
    // Extra header parameters are allowed (RFC 7515 §4), so each of these is another accepted header text.
    const tokens = await Promise.all(Array.from({ length: 70 }, (_, i) => mint({}, { header: { typ: 'JWT', n: i } })))
    const v = verifierOver([key], { cache: { maxEntries: 0 } })
    for (const token of [...tokens, ...tokens.slice(0, 5)]) expect(await reasonOf(token, v)).toBe('accepted')
    // The same header under stricter rules: another verifier, another judgement (RFC 9068 wants at+jwt).
    expect(await reasonOf(tokens[0] as string, verifierOver([key], { strict: true }))).toBe('type')
    // A refused header is refused every time, also once accepted ones are remembered.
    const refused = await mint({}, { header: { typ: 'dpop+jwt', n: 0 } })
    expect(await reasonOf(refused, v)).toBe('type')
    expect(await reasonOf(refused, v)).toBe('type')
    expect(await reasonOf(tokens[0] as string, v)).toBe('accepted')
  })
})

describe('key candidates', () => {
  test('a token without kid is tried against each key of its type', async () => {
    const second = await generateTestKey('RS256')
    const v = verifierOver([key, second])
    // Signed by the second key: the first candidate fails its signature, the second is tried.
    expect(await reasonOf(await mint({}, { key: second, header: { kid: null } }), v)).toBe('accepted')
    expect(await reasonOf(await mint({ exp: now() - 60 }, { key: second, header: { kid: null } }), v)).toBe('expired')
    const stranger = await generateTestKey('RS256')
    expect(await reasonOf(await mint({}, { key: stranger, header: { kid: null } }), v)).toBe('signature')
  })

  test('a key that cannot verify never ends the search: a 1,024-bit RSA key first, or under the same kid', async () => {
    const weak = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )
    const weakJwk = { ...(await crypto.subtle.exportKey('jwk', weak.publicKey)), alg: 'RS256' } as JWK
    const broken: JWK = { kty: 'RSA', kid: key.kid, n: 'AQAB', e: 'AQAB' }
    const v = verifierOver([{ ...weakJwk, kid: key.kid }, broken, { ...weakJwk, kid: 'weak' }, key])
    expect(await reasonOf(await mint(), v)).toBe('accepted')
    expect(await reasonOf(await mint({}, { header: { kid: null } }), v)).toBe('accepted')
    // A token signed by the weak key is refused: the key is never used.
    const weakToken = await signRaw(
      { alg: 'RS256', kid: 'weak' },
      JSON.stringify({ iss: issuer, aud: audience, exp: now() + 60 }),
      { kid: 'weak', alg: 'RS256', privateKey: weak.privateKey, publicJwk: weakJwk },
    )
    expect(await reasonOf(weakToken, v)).toBe('unknown_key')
  })

  test('a key that cannot be imported (an EC point off the curve) is skipped', async () => {
    const es = await generateTestKey('ES256')
    const offCurve: JWK = { ...es.publicJwk, y: Buffer.alloc(32, 7).toString('base64url') }
    const v = verifierOver([offCurve, es], { algorithms: ['ES256'] })
    expect(await reasonOf(await mint({}, { key: es }), v)).toBe('accepted')
    expect(await reasonOf(await mint({}, { key: es, header: { kid: null } }), v)).toBe('accepted')
  })

  test(`more than ${MAX_CANDIDATE_KEYS} candidates are refused without trying any`, async () => {
    let imports = 0
    const counted = (base: PublishedKey): PublishedKey => ({
      ...base,
      signatureCheck: (alg) => {
        imports += 1
        return base.signatureCheck(alg)
      },
    })
    const many = await Promise.all(Array.from({ length: MAX_CANDIDATE_KEYS + 1 }, () => generateTestKey('ES256')))
    const local = createLocalKeys({ issuer, jwks: { keys: many.map((k) => k.publicJwk) } })
    const keys: IssuerKeys = {
      issuer: local.issuer,
      keysFor: async (alg, kid) => (await local.keysFor(alg, kid)).map(counted),
    }
    const v = createAccessTokenVerifier({ keys, audience, algorithms: ['ES256'] })
    const token = await mint({}, { key: many.at(-1) as TestKey, header: { kid: null } })
    expect(await reasonOf(token, v)).toBe('unknown_key')
    expect(imports).toBe(0)
    const fewer = createAccessTokenVerifier({
      keys: createLocalKeys({ issuer, jwks: { keys: many.slice(1).map((k) => k.publicJwk) } }),
      audience,
      algorithms: ['ES256'],
    })
    expect(await reasonOf(token, fewer)).toBe('accepted')
  })
})

describe('faults of ours are not token refusals', () => {
  test('an unexpected error in key lookup propagates as it is, not as a 401', async () => {
    const bug = new TypeError('cannot read properties of undefined')
    const keys: IssuerKeys = {
      issuer: async () => issuer,
      keysFor: async () => {
        throw bug
      },
    }
    const v = createAccessTokenVerifier({ keys, audience })
    await expect(v.verify(await mint())).rejects.toBe(bug)
  })

  test('also from the synchronous path of a key source (keysNow), as a rejection, never a throw', async () => {
    const bug = new TypeError('cannot read properties of undefined')
    const local = createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } })
    const keys: IssuerKeys = {
      ...local,
      keysNow: () => {
        throw bug
      },
    }
    const v = createAccessTokenVerifier({ keys, audience })
    const outcome = v.verify(await mint())
    expect(outcome).toBeInstanceOf(Promise)
    await expect(outcome).rejects.toBe(bug)
  })

  test('a key source with keysNow and one without give the same verdicts', async () => {
    const local = createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } })
    const withoutNow = createAccessTokenVerifier({
      keys: { issuer: local.issuer, keysFor: local.keysFor },
      audience,
    })
    const stranger = await generateTestKey('RS256')
    const tokens = [
      await mint(),
      await mint({ exp: now() - 60 }),
      await mint({ aud: 'https://other.example.test' }),
      await mint({}, { key: stranger }),
      await mint({}, { key: await generateTestKey('RS256', key.kid) }),
    ]
    for (const token of tokens) expect(await reasonOf(token, withoutNow)).toBe(await reasonOf(token, verifier))
    expect(await Promise.all(tokens.map((t) => reasonOf(t, verifier)))).toEqual([
      'accepted',
      'expired',
      'audience',
      'unknown_key',
      'signature',
    ])
  })
})

describe('options', () => {
  test('bad options are refused when created', () => {
    const keys = createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } })
    expect(() => createAccessTokenVerifier({ keys, audience: '' })).toThrow(TypeError)
    expect(() => createAccessTokenVerifier({ keys, audience, algorithms: [] })).toThrow('"algorithms"')
    for (const alg of ['HS256', 'HS384', 'HS512', 'none']) {
      expect(() => createAccessTokenVerifier({ keys, audience, algorithms: [alg as 'RS256'] })).toThrow('"algorithms"')
    }
    expect(() => createAccessTokenVerifier({ keys, audience, clockToleranceSeconds: -1 })).toThrow(
      '"clockToleranceSeconds"',
    )
  })

  test('strict RFC 9068 mode requires at+jwt and the profile claims', async () => {
    const strict = verifierOver([key], { strict: true })
    const claims = { client_id: 'c1', jti: 'j1' }
    expect(await reasonOf(await mint(claims, { header: { typ: 'at+jwt' } }), strict)).toBe('accepted')
    expect(await reasonOf(await mint(claims), strict)).toBe('type')
    expect(await reasonOf(await mint(claims, { header: { typ: null } }), strict)).toBe('type')
    await expect(strict.verify(await mint({ jti: 'j1' }, { header: { typ: 'at+jwt' } }))).rejects.toMatchObject({
      reason: 'missing_claim',
      claim: 'client_id',
    })
  })

  test('a maximum token age refuses old tokens', async () => {
    const bounded = verifierOver([key], { maxTokenAgeSeconds: 60 })
    expect(await reasonOf(await mint(), bounded)).toBe('accepted')
    expect(await reasonOf(await mint({ iat: now() - 120 }), bounded)).toBe('too_old')
  })
})
