import { afterEach, describe, expect, test } from 'bun:test'
import { generateTestKey, type IssuerStub, signToken, startIssuerStub } from '@repo/testing'
import { exportJWK, importJWK } from 'jose'
import { createAccessTokenVerifier, createRemoteKeySet, type SupportedAlgorithm } from '../src/index.ts'

const audience = 'https://api.example.test'
const stubs: IssuerStub[] = []
afterEach(async () => {
  for (const stub of stubs.splice(0)) await stub.close()
})

async function verifierFor(alg: string, algorithms: SupportedAlgorithm[]) {
  const issuer = await startIssuerStub({ audience, alg })
  stubs.push(issuer)
  const keys = createRemoteKeySet({ source: { issuer: issuer.issuer, jwksUri: issuer.jwksUri }, autoRefresh: false })
  return { issuer, verifier: createAccessTokenVerifier({ keys, audience, algorithms }) }
}

const reason = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { reason?: string }) => error.reason,
  )

describe('algorithm allow-list', () => {
  test.each([['RS256'], ['PS256'], ['ES256'], ['EdDSA']] as const)('%s is accepted when allowed', async (alg) => {
    const { issuer, verifier } = await verifierFor(alg, [alg])
    expect(await reason(verifier.verify(await issuer.mint()))).toBe('accepted')
  })

  test('an algorithm outside the list is refused even with a matching key', async () => {
    const { issuer, verifier } = await verifierFor('PS256', ['RS256'])
    expect(await reason(verifier.verify(await issuer.mint()))).toBe('algorithm')
  })

  test('a key whose type does not fit the algorithm is refused (EC token, RSA key under its kid)', async () => {
    const { issuer, verifier } = await verifierFor('RS256', ['RS256', 'ES256'])
    const ec = await generateTestKey('ES256', issuer.signingKey.kid)
    const token = await signToken(ec, { iss: issuer.issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 })
    expect(await reason(verifier.verify(token))).toBe('unknown_key')
  })

  test('a key published for RS256 is not used for PS256 (the JWK alg binds it)', async () => {
    const { issuer, verifier } = await verifierFor('RS256', ['RS256', 'PS256'])
    // The same RSA key material, imported for RSA-PSS.
    const privateJwk = await exportJWK(issuer.signingKey.privateKey)
    const ps = { ...issuer.signingKey, alg: 'PS256', privateKey: (await importJWK(privateJwk, 'PS256')) as CryptoKey }
    const token = await signToken(ps, { iss: issuer.issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 })
    expect(await reason(verifier.verify(token))).toBe('unknown_key')
  })

  test('HS256 can never be configured', () => {
    const keys = { issuer: async () => 'x', getKey: async () => ({}) as CryptoKey }
    for (const alg of ['HS256', 'HS384', 'HS512', 'none']) {
      expect(() => createAccessTokenVerifier({ keys, audience, algorithms: [alg as SupportedAlgorithm] })).toThrow(
        TypeError,
      )
    }
  })
})
