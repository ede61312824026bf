import { describe, expect, test } from 'bun:test'
import { constants, generateKeyPairSync, sign } from 'node:crypto'
import { generateTestKey } from '@repo/testing'
import type { JWK } from 'jose'
import type { SupportedAlgorithm } from '../src/index.ts'
import { importSignatureCheck } from '../src/jwt/signature.ts'

// The node:crypto signature checks against WebCrypto's signatures (what jose and issuers produce), and the key
// checks made when a key is imported. Which key may be tried for which token is published-keys' concern.
const input = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0'
const encoded = new TextEncoder().encode(input)

const webCryptoParams: Record<SupportedAlgorithm, Parameters<typeof crypto.subtle.sign>[0]> = {
  RS256: 'RSASSA-PKCS1-v1_5',
  RS384: 'RSASSA-PKCS1-v1_5',
  RS512: 'RSASSA-PKCS1-v1_5',
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  PS384: { name: 'RSA-PSS', saltLength: 48 },
  PS512: { name: 'RSA-PSS', saltLength: 64 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  ES512: { name: 'ECDSA', hash: 'SHA-512' },
  EdDSA: 'Ed25519',
}

describe('signature checks', () => {
  test.each(Object.keys(webCryptoParams) as SupportedAlgorithm[])(
    '%s: a WebCrypto signature verifies; a changed input or signature does not',
    async (alg) => {
      const key = await generateTestKey(alg)
      const signature = new Uint8Array(await crypto.subtle.sign(webCryptoParams[alg], key.privateKey, encoded))
      const check = importSignatureCheck(key.publicJwk, alg)
      expect(check(input, signature)).toBe(true)
      expect(check(`${input}x`, signature)).toBe(false)
      const flipped = signature.slice()
      flipped[3] = (flipped[3] as number) ^ 1
      expect(check(input, flipped)).toBe(false)
      expect(check(input, new Uint8Array())).toBe(false)
    },
  )

  test('PS256: the salt must be as long as the digest (RFC 7518 §3.5), as WebCrypto requires', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = publicKey.export({ format: 'jwk' }) as JWK
    const pss = (saltLength: number) =>
      sign('sha256', Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength })
    const check = importSignatureCheck(jwk, 'PS256')
    expect(check(input, pss(32))).toBe(true)
    expect(check(input, pss(0))).toBe(false)
    expect(check(input, pss(20))).toBe(false)
  })

  test('ECDSA: only the JWS form (r ‖ s), never DER', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const check = importSignatureCheck(publicKey.export({ format: 'jwk' }) as JWK, 'ES256')
    expect(check(input, sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }))).toBe(true)
    expect(check(input, sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'der' }))).toBe(false)
  })
})

describe('key import', () => {
  test('a key that does not suit the algorithm is refused, whatever its JWK claims', async () => {
    const rsa = (await generateTestKey('RS256')).publicJwk
    const p384 = (await generateTestKey('ES384')).publicJwk
    const ed = (await generateTestKey('EdDSA')).publicJwk
    expect(() => importSignatureCheck(rsa, 'ES256')).toThrow()
    expect(() => importSignatureCheck({ ...p384, crv: 'P-256' }, 'ES256')).toThrow()
    expect(() => importSignatureCheck(p384, 'ES256')).toThrow()
    expect(() => importSignatureCheck(ed, 'RS256')).toThrow()
    expect(() => importSignatureCheck(p384, 'EdDSA')).toThrow()
  })

  test('an RSA key under 2,048 bits is refused when imported, not only by its JWK', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expect(() => importSignatureCheck(publicKey.export({ format: 'jwk' }) as JWK, 'RS256')).toThrow('too short')
  })

  test('broken members and a point off the curve are refused', async () => {
    const es = (await generateTestKey('ES256')).publicJwk
    expect(() => importSignatureCheck({ ...es, y: Buffer.alloc(32, 7).toString('base64url') }, 'ES256')).toThrow()
    expect(() => importSignatureCheck({ kty: 'RSA', n: 'AQAB' }, 'RS256')).toThrow()
    expect(() => importSignatureCheck({ kty: 'OKP', crv: 'Ed25519', x: 'AA' }, 'EdDSA')).toThrow()
  })
})
