import { describe, expect, test } from 'bun:test'
import { generateDpopKey } from '@repo/testing'
import { calculateJwkThumbprint } from 'jose'
import { importProofKey } from '../src/index.ts'

describe('importProofKey', () => {
  test.each(['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA'] as const)(
    '%s: the RFC 7638 thumbprint is jose’s, whatever other members the jwk carries',
    async (alg) => {
      const key = await generateDpopKey(alg)
      const { thumbprint } = await importProofKey({ ...key.publicJwk, kid: 'k1', use: 'sig', alg }, alg)
      expect(thumbprint).toBe(await calculateJwkThumbprint(key.publicJwk))
    },
  )

  test('private members are refused even when the public ones are right', async () => {
    const key = await generateDpopKey('ES256')
    await expect(importProofKey(key.privateJwk, 'ES256')).rejects.toMatchObject({ reason: 'private_key' })
    await expect(importProofKey({ ...key.publicJwk, k: 'x' }, 'ES256')).rejects.toMatchObject({
      reason: 'private_key',
    })
  })

  test('a key that does not fit the algorithm, or whose use or alg says otherwise, is refused', async () => {
    const key = await generateDpopKey('ES256')
    for (const [jwk, alg] of [
      [key.publicJwk, 'ES384'],
      [key.publicJwk, 'PS256'],
      [{ ...key.publicJwk, use: 'enc' }, 'ES256'],
      [{ ...key.publicJwk, alg: 'ES384' }, 'ES256'],
      [{ ...key.publicJwk, x: 'AAAA' }, 'ES256'],
      [{ ...key.publicJwk, y: 42 }, 'ES256'],
      // The right members under the wrong kty: importable as EC, but not the key the client described.
      [{ ...key.publicJwk, kty: 'RSA' }, 'ES256'],
    ] as const) {
      await expect(importProofKey(jwk, alg)).rejects.toMatchObject({ code: 'invalid_dpop_proof', reason: 'key' })
    }
  })
})
