/**
 * JWS signature checks (RFC 7518 §3) on `node:crypto`, with a `KeyObject` made once per key and algorithm.
 *
 * Why not jose's `jwtVerify` here: jose 6 verifies through WebCrypto, and in Bun `crypto.subtle.verify` costs about
 * 30 µs of CPU per RS256 signature (48 µs of wall time unpinned: the work goes to another thread and comes back),
 * against 16–17 µs for a synchronous `node:crypto` `verify` with the same BoringSSL underneath (measured on Bun
 * 1.4.5, 2,048-bit RSA; see docs/performance.md). The signature is most of the cost of every request that is not
 * served from the token cache, so this is the one place where the hand-written path pays for itself. Everything
 * jose checked around the signature is kept, in `protected-header.ts` and `claims.ts`.
 */
import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto'
import type { JWK } from 'jose'
import { MIN_RSA_MODULUS_BITS, type SupportedAlgorithm } from './algorithms.ts'

/** Whether `signature` is a valid signature of `signingInput` (the ASCII text `header.payload`). */
export type SignatureCheck = (signingInput: string, signature: Uint8Array) => boolean

interface Scheme {
  /** The digest, or null for EdDSA (the digest is part of the scheme). */
  readonly hash: string | null
  /** What the imported key must be: `asymmetricKeyType`, and the curve of an EC key. */
  readonly keyType: 'rsa' | 'ec' | 'ed25519' | 'ed448'
  readonly namedCurve?: string
  readonly pss?: boolean
  /** ECDSA in JWS is r ‖ s (RFC 7518 §3.4), not DER; a signature of another length does not verify. */
  readonly ecdsa?: boolean
}

const SCHEMES: Readonly<Record<Exclude<SupportedAlgorithm, 'EdDSA'>, Scheme>> = {
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: true },
  PS384: { hash: 'sha384', keyType: 'rsa', pss: true },
  PS512: { hash: 'sha512', keyType: 'rsa', pss: true },
  ES256: { hash: 'sha256', keyType: 'ec', namedCurve: 'prime256v1', ecdsa: true },
  ES384: { hash: 'sha384', keyType: 'ec', namedCurve: 'secp384r1', ecdsa: true },
  ES512: { hash: 'sha512', keyType: 'ec', namedCurve: 'secp521r1', ecdsa: true },
}

function schemeFor(alg: SupportedAlgorithm, jwk: JWK): Scheme {
  if (alg !== 'EdDSA') return SCHEMES[alg]
  return { hash: null, keyType: jwk.crv === 'Ed448' ? 'ed448' : 'ed25519' }
}

/** Only the members that make the public key: nothing else of the issuer's document reaches the parser. */
function publicMembers(jwk: JWK): JWK {
  switch (jwk.kty) {
    case 'RSA':
      return { kty: 'RSA', n: jwk.n, e: jwk.e } as JWK
    case 'EC':
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK
    default:
      return { kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JWK
  }
}

function checkKeyObject(key: KeyObject, scheme: Scheme): void {
  if (key.asymmetricKeyType !== scheme.keyType) throw new TypeError('the key does not suit the algorithm')
  const details = key.asymmetricKeyDetails
  if (scheme.namedCurve !== undefined && details?.namedCurve !== scheme.namedCurve) {
    throw new TypeError('the key is on another curve')
  }
  // `fits()` already refused short moduli from the JWK; this holds for the key actually imported.
  if (scheme.keyType === 'rsa' && (details?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    throw new TypeError('the RSA key is too short')
  }
}

/**
 * Imports a public JWK for one algorithm and returns its signature check. Throws when the key cannot be imported
 * (broken members, an EC point off its curve: BoringSSL refuses both) or does not suit `alg`.
 */
export function importSignatureCheck(jwk: JWK, alg: SupportedAlgorithm): SignatureCheck {
  const scheme = schemeFor(alg, jwk)
  const key = createPublicKey({ key: publicMembers(jwk), format: 'jwk' })
  checkKeyObject(key, scheme)
  const options =
    scheme.ecdsa === true
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : scheme.pss === true
        ? // RFC 7518 §3.5: the salt is as long as the digest; WebCrypto (and so jose) verifies with exactly that.
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }
        : key
  const { hash } = scheme
  return function checkSignature(signingInput, signature) {
    try {
      return verify(hash, signingInput, options, signature)
    } catch {
      // As jose does: a signature the primitive cannot even parse is a signature that does not verify.
      return false
    }
  }
}
