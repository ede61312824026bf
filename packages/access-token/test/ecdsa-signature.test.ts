import { describe, expect, test } from 'bun:test'
import { generateTestKey, signToken } from '@repo/testing'
import { createAccessTokenVerifier, createLocalKeys } from '../src/index.ts'
import { canonicalSignature, tokenIdentity } from '../src/jwt/ecdsa-signature.ts'

const issuer = 'https://issuer.example.test/'
const audience = 'https://api.example.test'
const curves = {
  ES256: {
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bytes: 32,
    hash: 'SHA-256',
    crv: 'P-256',
  },
  ES384: {
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bytes: 48,
    hash: 'SHA-384',
    crv: 'P-384',
  },
  ES512: {
    n: (1n << 521n) - 0x5ae79787c40d069948033feb708f65a2fc44a36477663b851449048e16ec79bf7n,
    bytes: 66,
    hash: 'SHA-512',
    crv: 'P-521',
  },
} as const

/** The other spelling (r, n − s) of a compact signature. */
function twin(alg: keyof typeof curves, token: string): string {
  const { n, bytes } = curves[alg]
  const [h, p, s] = token.split('.') as [string, string, string]
  const signature = Buffer.from(s, 'base64url')
  const other = n - BigInt(`0x${signature.subarray(bytes).toString('hex')}`)
  const flipped = Buffer.concat([
    signature.subarray(0, bytes),
    Buffer.from(other.toString(16).padStart(bytes * 2, '0'), 'hex'),
  ])
  return `${h}.${p}.${flipped.toString('base64url')}`
}

describe('ECDSA signature malleability', () => {
  test.each(Object.keys(curves) as (keyof typeof curves)[])(
    '%s: both spellings verify, and are one token to anything keyed on it',
    async (alg) => {
      const key = await generateTestKey(alg)
      const verifier = createAccessTokenVerifier({
        keys: createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } }),
        audience,
        algorithms: [alg],
      })
      const token = await signToken(key, { iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 })
      const other = twin(alg, token)
      expect(other).not.toBe(token)
      // WebCrypto accepts the twin: the malleability is real, and the curve order above is right.
      const publicKey = await crypto.subtle.importKey(
        'jwk',
        key.publicJwk,
        { name: 'ECDSA', namedCurve: curves[alg].crv },
        false,
        ['verify'],
      )
      const [h, p, s] = other.split('.') as [string, string, string]
      const ok = await crypto.subtle.verify(
        { name: 'ECDSA', hash: curves[alg].hash },
        publicKey,
        Buffer.from(s, 'base64url'),
        new TextEncoder().encode(`${h}.${p}`),
      )
      expect(ok).toBe(true)
      await expect(verifier.verify(token)).resolves.toBeDefined()
      await expect(verifier.verify(other)).resolves.toBeDefined()
      expect(tokenIdentity(other, alg)).toBe(tokenIdentity(token, alg))
      // The identity spells the low-S form: one of the two is already it.
      expect([token, other]).toContain(tokenIdentity(token, alg))
    },
  )

  test('other algorithms and malformed signatures are left as they are', () => {
    expect(tokenIdentity('a.b.c', 'RS256')).toBe('a.b.c')
    expect(canonicalSignature('ES256', 'AAAA')).toBe('AAAA')
  })

  test('an s of n or more (never a valid signature) is left as it is, so it cannot take a valid identity', () => {
    const { n, bytes } = curves.ES256
    const r = Buffer.alloc(bytes, 1)
    for (const s of [n, n + 5n, (1n << 256n) - 1n]) {
      const segment = Buffer.concat([r, Buffer.from(s.toString(16).padStart(bytes * 2, '0'), 'hex')]).toString(
        'base64url',
      )
      expect(canonicalSignature('ES256', segment)).toBe(segment)
    }
  })
})
