import type { JWK } from 'jose'
import { isSupportedAlgorithm, KEY_FIT, MIN_RSA_MODULUS_BITS } from '../jwt/algorithms.ts'
import { importSignatureCheck, type SignatureCheck } from '../jwt/signature.ts'

/** One public key of the issuer's JWKS. Imported at most once per algorithm, when first needed. */
export interface PublishedKey {
  readonly kid: string | undefined
  readonly jwk: Readonly<JWK>
  /** Whether this key may verify `alg` (type, curve, `alg`, `use`, `key_ops`, RSA size), without importing it. */
  fits(alg: string): boolean
  /**
   * The signature check for `alg`, importing the key on first use; undefined when the key cannot be imported
   * (malformed members, a point off the curve) or does not fit `alg`.
   */
  signatureCheck(alg: string): SignatureCheck | undefined
}

/** The keys of one successful fetch. */
export interface KeySnapshot {
  readonly keys: readonly PublishedKey[]
  readonly kids: readonly string[]
  readonly fetchedAt: number
  readonly freshUntil: number
  hasKid(kid: string): boolean
  /** The keys that may have signed a token with this header: same `kid` when it has one, all otherwise. */
  candidates(alg: string, kid: string | undefined): PublishedKey[]
}

function rsaModulusBits(n: unknown): number {
  if (typeof n !== 'string') return 0
  const bytes = Buffer.from(n, 'base64url')
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start += 1
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] as number))
}

// The members jose's own key selection looks at (jose `src/jwks/local.ts`), plus the RSA size up front: a key
// that cannot verify must never end the search for one that can.
function fits(jwk: JWK, alg: string): boolean {
  if (!isSupportedAlgorithm(alg)) return false
  const need = KEY_FIT[alg]
  if (jwk.kty !== need.kty) return false
  if (need.crv !== undefined && !need.crv.includes(jwk.crv as string)) return false
  if (jwk.alg !== undefined && jwk.alg !== alg) return false
  if (jwk.use !== undefined && jwk.use !== 'sig') return false
  if (jwk.key_ops !== undefined && (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes('verify'))) return false
  return jwk.kty !== 'RSA' || rsaModulusBits(jwk.n) >= MIN_RSA_MODULUS_BITS
}

function importFor(jwk: JWK, alg: string): SignatureCheck | undefined {
  if (!isSupportedAlgorithm(alg) || !fits(jwk, alg)) return undefined
  try {
    return importSignatureCheck(jwk, alg)
  } catch {
    return undefined
  }
}

function createPublishedKey(jwk: JWK): PublishedKey {
  // A failed import stays failed for this key (undefined is remembered): retrying on every request would be work
  // an attacker could ask for. A new fetch brings new key objects.
  const imports = new Map<string, SignatureCheck | undefined>()
  // Whether the key fits, once per supported algorithm (the RSA size check decodes the modulus): at most ten entries.
  const fitting = new Map<string, boolean>()
  const frozen = Object.freeze({ ...jwk })
  return {
    kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
    jwk: frozen,
    fits(alg) {
      let known = fitting.get(alg)
      if (known === undefined) {
        known = fits(frozen, alg)
        if (isSupportedAlgorithm(alg)) fitting.set(alg, known)
      }
      return known
    },
    signatureCheck(alg) {
      if (imports.has(alg)) return imports.get(alg)
      const check = importFor(frozen, alg)
      imports.set(alg, check)
      return check
    },
  }
}

/** Keeps only public asymmetric keys: a JWKS never supplies HMAC secrets (RFC 8725 §3.1) nor private parts. */
export function publicSigningKeys(body: unknown): JWK[] | undefined {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) return undefined
  const keys = (body as { keys: unknown[] }).keys.filter(
    (key): key is JWK =>
      typeof key === 'object' &&
      key !== null &&
      !Array.isArray(key) &&
      ['RSA', 'EC', 'OKP'].includes((key as JWK).kty as string) &&
      !Object.hasOwn(key, 'd'),
  )
  return keys.length === 0 ? undefined : keys
}

/**
 * Builds the snapshot of one fetch. A key identical to one of `previous` keeps its object (and its imports), so
 * a refresh that changes nothing re-imports nothing and leaves anything keyed on the key object valid.
 */
export function createKeySnapshot(
  jwks: readonly JWK[],
  times: { fetchedAt: number; freshUntil: number },
  previous?: KeySnapshot,
): KeySnapshot {
  const known = new Map(previous?.keys.map((key) => [JSON.stringify(key.jwk), key]))
  const keys = jwks.map((jwk) => known.get(JSON.stringify(jwk)) ?? createPublishedKey(jwk))
  const byKid = new Map<string, PublishedKey[]>()
  for (const key of keys) {
    if (key.kid === undefined) continue
    const list = byKid.get(key.kid)
    if (list === undefined) byKid.set(key.kid, [key])
    else list.push(key)
  }
  return Object.freeze({
    keys,
    kids: [...byKid.keys()],
    ...times,
    hasKid: (kid: string) => byKid.has(kid),
    candidates: (alg: string, kid: string | undefined) =>
      (kid === undefined ? keys : (byKid.get(kid) ?? [])).filter((key) => key.fits(alg)),
  })
}
