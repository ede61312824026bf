import { describe, expect, test } from 'bun:test'
import { generateTestKey } from '@repo/testing'
import { createKeySnapshot } from '../src/jwks/published-keys.ts'

// Which keys are candidates for a token is tested through the verifier (verify-access-token.test.ts,
// algorithms.test.ts); this is the key's own guard when asked for a signature check directly.
const times = { fetchedAt: 0, freshUntil: 1 }

describe('PublishedKey.signatureCheck', () => {
  test('is made once per algorithm and shared', async () => {
    const [key] = createKeySnapshot([(await generateTestKey('RS256')).publicJwk], times).keys
    expect(key?.signatureCheck('RS256')).toBeFunction()
    expect(key?.signatureCheck('RS256')).toBe(key?.signatureCheck('RS256') as never)
  })

  test('is undefined for an algorithm the key does not fit, even when asked directly', async () => {
    const rsa = await generateTestKey('RS256') // its JWK says alg RS256
    const [key] = createKeySnapshot([rsa.publicJwk], times).keys
    expect(key?.signatureCheck('PS256')).toBeUndefined()
    expect(key?.signatureCheck('ES256')).toBeUndefined()
    expect(key?.signatureCheck('HS256')).toBeUndefined()
  })

  test('is undefined, and stays so, for a key that cannot be imported', async () => {
    const es = await generateTestKey('ES256')
    const [key] = createKeySnapshot([{ ...es.publicJwk, y: Buffer.alloc(32, 7).toString('base64url') }], times).keys
    expect(key?.signatureCheck('ES256')).toBeUndefined()
    expect(key?.signatureCheck('ES256')).toBeUndefined()
  })
})
