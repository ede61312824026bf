import { createHash } from 'node:crypto'
import { importJWK, type JWK } from 'jose'
import { InvalidDpopProofError } from '../errors.ts'
import { MIN_RSA_MODULUS_BITS } from '../jwt/algorithms.ts'

/**
 * Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.3 (5), §11.6: never `none`, never a MAC). Auth0's
 * API SDKs accept every asymmetric algorithm they know (express-oauth2-jwt-bearer: RS/PS/ES + ES256K + EdDSA);
 * ES256K is left out because WebCrypto (and so jose on Bun) has no secp256k1, and `Ed25519` (RFC 9864, the
 * fully-specified name Auth0 lists for its own DPoP proofs) is added.
 */
export const DPOP_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
] as const
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number]

export function isDpopAlgorithm(alg: unknown): alg is DpopAlgorithm {
  return typeof alg === 'string' && (DPOP_ALGORITHMS as readonly string[]).includes(alg)
}

// The key type each algorithm needs, and the members that make up its public key (RFC 7518 §6, RFC 8037 §2).
const EC = ['crv', 'x', 'y'] as const
const RSA = ['n', 'e'] as const
const OKP = ['crv', 'x'] as const
const FIT: Readonly<Record<DpopAlgorithm, { kty: string; crv?: string; members: readonly string[] }>> = {
  ES256: { kty: 'EC', crv: 'P-256', members: EC },
  ES384: { kty: 'EC', crv: 'P-384', members: EC },
  ES512: { kty: 'EC', crv: 'P-521', members: EC },
  PS256: { kty: 'RSA', members: RSA },
  PS384: { kty: 'RSA', members: RSA },
  PS512: { kty: 'RSA', members: RSA },
  RS256: { kty: 'RSA', members: RSA },
  RS384: { kty: 'RSA', members: RSA },
  RS512: { kty: 'RSA', members: RSA },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: OKP },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', members: OKP },
}

// RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2: what only a private (or symmetric) key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** A proof's key: imported for verification, and its RFC 7638 SHA-256 thumbprint (what `cnf.jkt` names). */
export interface ProofKey {
  readonly key: CryptoKey
  readonly thumbprint: string
}

/**
 * RFC 7638: SHA-256 over the required members in lexicographic order, without whitespace. Computed here
 * synchronously: jose's `calculateJwkThumbprint` goes through `crypto.subtle.digest` and cost about 40 µs a proof.
 */
function thumbprintOf(publicJwk: Record<string, string>, members: readonly string[]): string {
  const required: Record<string, string> = {}
  for (const name of [...members, 'kty'].sort()) required[name] = publicJwk[name] as string
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url')
}

/** The bit length of a base64url big-endian integer (an RSA modulus). */
function modulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url')
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start += 1
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] ?? 0))
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Turns the `jwk` header of a proof into its public key. Only the members that make a public key are read, so the
 * key that verifies the signature is exactly the one the thumbprint names; a `jwk` with private members is refused
 * outright (RFC 9449 §4.3 (7)), since a client that sends its private key has lost it.
 */
export async function importProofKey(jwk: unknown, alg: DpopAlgorithm): Promise<ProofKey> {
  if (!isObject(jwk)) throw new InvalidDpopProofError('key')
  if (PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined)) throw new InvalidDpopProofError('private_key')
  const fit = FIT[alg]
  if (jwk.kty !== fit.kty || (fit.crv !== undefined && jwk.crv !== fit.crv)) throw new InvalidDpopProofError('key')
  // RFC 7517 §4.2, §4.4: when present, `use` and `alg` must agree with a signature by this algorithm.
  if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== alg)) {
    throw new InvalidDpopProofError('key')
  }
  const publicJwk: Record<string, string> = { kty: fit.kty }
  for (const member of fit.members) {
    const value = jwk[member]
    if (typeof value !== 'string' || value === '') throw new InvalidDpopProofError('key')
    publicJwk[member] = value
  }
  // Checked here, exactly: jose refuses a shorter modulus only when verifying, with a plain TypeError.
  if (fit.kty === 'RSA' && modulusBits(String(publicJwk.n)) < MIN_RSA_MODULUS_BITS) {
    throw new InvalidDpopProofError('key')
  }
  let key: CryptoKey
  try {
    key = (await importJWK(publicJwk as JWK, alg)) as CryptoKey
  } catch (cause) {
    // Not a point on the curve, a bad encoding: the client's key, not our fault.
    throw new InvalidDpopProofError('key', { cause })
  }
  return { key, thumbprint: thumbprintOf(publicJwk, fit.members) }
}
