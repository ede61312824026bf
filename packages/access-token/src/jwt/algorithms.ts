/** Asymmetric JWS algorithms a key set can serve (RFC 8725 §3.1: never HS* from a JWKS, never `none`). */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const
export type SupportedAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number]

/** The key type (and curves) each algorithm needs (RFC 7518 §3, RFC 8037 §3.1). */
export const KEY_FIT: Readonly<Record<SupportedAlgorithm, { readonly kty: string; readonly crv?: readonly string[] }>> =
  {
    RS256: { kty: 'RSA' },
    RS384: { kty: 'RSA' },
    RS512: { kty: 'RSA' },
    PS256: { kty: 'RSA' },
    PS384: { kty: 'RSA' },
    PS512: { kty: 'RSA' },
    ES256: { kty: 'EC', crv: ['P-256'] },
    ES384: { kty: 'EC', crv: ['P-384'] },
    ES512: { kty: 'EC', crv: ['P-521'] },
    EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'] },
  }

export function isSupportedAlgorithm(alg: unknown): alg is SupportedAlgorithm {
  return typeof alg === 'string' && Object.hasOwn(KEY_FIT, alg)
}

/** RFC 7518 §3.3 and RFC 8725 §3.5: RSA keys shorter than 2,048 bits are refused. */
export const MIN_RSA_MODULUS_BITS = 2048
