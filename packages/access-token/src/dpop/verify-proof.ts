import { createHash } from 'node:crypto'
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose'
import { AuthError, InvalidDpopProofError, type InvalidDpopProofReason } from '../errors.ts'
import { checkCompactShape } from '../jwt/compact-shape.ts'
import { normalizeHtu } from './htu.ts'
import { type DpopAlgorithm, importProofKey, isDpopAlgorithm } from './proof-key.ts'

/** A proof is a JWS of a few hundred bytes (an RSA-4096 `jwk` makes it about 1.5 KiB). */
export const MAX_DPOP_PROOF_LENGTH = 8 * 1024

/** RFC 9449 §11.1: a `jti` larger than any random identifier is refused rather than stored. */
export const MAX_JTI_LENGTH = 256

export interface DpopProofPolicy {
  /** Accepted `alg` values; asymmetric only. */
  readonly algorithms: readonly DpopAlgorithm[]
  /** How far in the past a proof's `iat` may be, in seconds (Auth0's SDKs: 300). */
  readonly iatOffsetSeconds: number
  /** How far in the future a proof's `iat` may be, in seconds, for clock skew (Auth0's SDKs: 30). */
  readonly iatLeewaySeconds: number
}

/** What the proof must match: this request and the access token it comes with. */
export interface DpopProofContext {
  readonly method: string
  /** The request's normalised `htu` (`requestHtu`). */
  readonly htu: string
  readonly accessToken: string
  /** Milliseconds since the epoch. */
  readonly now: number
}

/** A proof that passed every check of RFC 9449 §4.3 but the nonce, the binding and the replay check. */
export interface VerifiedDpopProof {
  /** The JWK SHA-256 thumbprint of the proof key (what the token's `cnf.jkt` must equal). */
  readonly thumbprint: string
  readonly jti: string
  readonly iat: number
  readonly nonce: string | undefined
}

// RFC 9449 §4.2, RFC 7515 §4.1.9: `dpop+jwt`, the `application/` prefix being optional.
const isProofType = (typ: unknown) => typeof typ === 'string' && /^(?:application\/)?dpop\+jwt$/.test(typ.toLowerCase())

/** The base64url SHA-256 of the access token: what `ath` must be (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** jose's errors for a proof, as our reasons; anything else is a fault of ours and goes on unchanged. */
function classify(error: unknown): unknown {
  if (error instanceof AuthError) return error
  const reason: InvalidDpopProofReason | undefined =
    error instanceof errors.JWSSignatureVerificationFailed
      ? 'signature'
      : error instanceof errors.JOSEAlgNotAllowed
        ? 'algorithm'
        : error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired
          ? 'invalid_claim'
          : error instanceof errors.JWSInvalid ||
              error instanceof errors.JWTInvalid ||
              error instanceof errors.JOSENotSupported
            ? 'malformed'
            : undefined
  return reason === undefined ? error : new InvalidDpopProofError(reason, { cause: error })
}

function claim<T>(payload: JWTPayload, name: string, valid: (value: unknown) => value is T): T {
  const value = payload[name]
  if (value === undefined) throw new InvalidDpopProofError('missing_claim')
  if (!valid(value)) throw new InvalidDpopProofError('invalid_claim')
  return value
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isJti = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && value.length <= MAX_JTI_LENGTH
// `JSON.parse("1e309")` is Infinity: only finite numbers are NumericDates.
const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

/**
 * Checks the `DPoP` proofs of a request (RFC 9449 §4.3): exactly one, a well-formed JWT of type `dpop+jwt`, an
 * allowed asymmetric `alg`, a public `jwk` that verifies the signature, `htm` and `htu` of this request, an `iat`
 * within [now − offset, now + leeway], and `ath` of this access token. Throws `InvalidDpopProofError` (401).
 */
export async function verifyDpopProof(
  proofs: readonly string[],
  context: DpopProofContext,
  policy: DpopProofPolicy,
): Promise<VerifiedDpopProof> {
  try {
    if (proofs.length !== 1) throw new InvalidDpopProofError(proofs.length === 0 ? 'malformed' : 'multiple')
    const proof = proofs[0] as string
    if (proof.length > MAX_DPOP_PROOF_LENGTH) throw new InvalidDpopProofError('malformed')
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(proof)
    } catch (cause) {
      throw new InvalidDpopProofError('malformed', { cause })
    }
    if (!isProofType(header.typ)) throw new InvalidDpopProofError('type')
    const alg = header.alg
    // Before the shape of the rest: `none` (an empty signature) and MAC algorithms are named as such.
    if (!isDpopAlgorithm(alg) || !policy.algorithms.includes(alg)) throw new InvalidDpopProofError('algorithm')
    try {
      checkCompactShape(proof)
    } catch {
      throw new InvalidDpopProofError('malformed')
    }
    const { key, thumbprint } = await importProofKey(header.jwk, alg)
    const { payload } = await jwtVerify(proof, key, { algorithms: [alg], currentDate: new Date(context.now) })

    const jti = claim(payload, 'jti', isJti)
    const htm = claim(payload, 'htm', isString)
    const htu = claim(payload, 'htu', isString)
    const iat = claim(payload, 'iat', isNumericDate)
    const ath = claim(payload, 'ath', isString)
    const nonce = payload.nonce === undefined ? undefined : claim(payload, 'nonce', isString)

    // RFC 9110 §9.1: methods are case-sensitive.
    if (htm !== context.method) throw new InvalidDpopProofError('method')
    if (normalizeHtu(htu) !== context.htu) throw new InvalidDpopProofError('url')
    const now = Math.floor(context.now / 1000)
    if (iat < now - policy.iatOffsetSeconds || iat > now + policy.iatLeewaySeconds) {
      throw new InvalidDpopProofError('issued_at')
    }
    if (ath !== accessTokenHash(context.accessToken)) throw new InvalidDpopProofError('token_hash')
    return { thumbprint, jti, iat, nonce }
  } catch (error) {
    throw classify(error)
  }
}
