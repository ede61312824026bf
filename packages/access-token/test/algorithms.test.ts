import { describe, expect, test } from 'bun:test'
import { generateTestKey, signToken, type TestKey } from '@repo/testing'
import { exportJWK, importJWK } from 'jose'
import { createAccessTokenVerifier, createLocalKeys, type SupportedAlgorithm } from '../src/index.ts'

const issuer = 'https://issuer.example.test/'
const audience = 'https://api.example.test'
const claims = () => ({ iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 })

function verifierFor(published: TestKey, algorithms: SupportedAlgorithm[]) {
  const keys = createLocalKeys({ issuer, jwks: { keys: [published.publicJwk] } })
  return createAccessTokenVerifier({ keys, audience, algorithms })
}

const reason = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { reason?: string }) => error.reason,
  )

describe('algorithm allow-list', () => {
  test.each([['RS256'], ['PS256'], ['ES256'], ['ES384'], ['ES512'], ['EdDSA']] as const)(
    '%s is accepted when allowed',
    async (alg) => {
      const key = await generateTestKey(alg)
      expect(await reason(verifierFor(key, [alg]).verify(await signToken(key, claims())))).toBe('accepted')
    },
  )

  test('an algorithm outside the list is refused even with a matching key', async () => {
    const key = await generateTestKey('PS256')
    expect(await reason(verifierFor(key, ['RS256']).verify(await signToken(key, claims())))).toBe('algorithm')
  })

  test('a key whose type does not fit the algorithm is refused (EC token, RSA key under its kid)', async () => {
    const rsa = await generateTestKey('RS256')
    const ec = await generateTestKey('ES256', rsa.kid)
    expect(await reason(verifierFor(rsa, ['RS256', 'ES256']).verify(await signToken(ec, claims())))).toBe('unknown_key')
  })

  test('a key published for RS256 is not used for PS256 (the JWK alg binds it)', async () => {
    const rsa = await generateTestKey('RS256')
    // The same RSA key material, imported for RSA-PSS.
    const ps = {
      ...rsa,
      alg: 'PS256',
      privateKey: (await importJWK(await exportJWK(rsa.privateKey), 'PS256')) as CryptoKey,
    }
    expect(await reason(verifierFor(rsa, ['RS256', 'PS256']).verify(await signToken(ps, claims())))).toBe('unknown_key')
  })

  test('an EC key of another curve does not verify ES256 (crv binds it)', async () => {
    const p384 = await generateTestKey('ES384')
    const p256 = await generateTestKey('ES256', p384.kid)
    const { alg: _, ...unbound } = p384.publicJwk
    const published = { ...p384, publicJwk: unbound }
    expect(await reason(verifierFor(published, ['ES256', 'ES384']).verify(await signToken(p256, claims())))).toBe(
      'unknown_key',
    )
  })

  test('a key whose use is enc, or whose key_ops lack verify, is never used', async () => {
    const key = await generateTestKey('RS256')
    for (const restriction of [{ use: 'enc' }, { key_ops: ['encrypt'] }]) {
      const published = { ...key, publicJwk: { ...key.publicJwk, ...restriction } }
      expect(await reason(verifierFor(published, ['RS256']).verify(await signToken(key, claims())))).toBe('unknown_key')
    }
  })
})
