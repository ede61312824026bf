import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose'
import { AuthError, InvalidTokenError, type InvalidTokenReason } from '../errors.ts'
import type { PublishedKey } from '../jwks/published-keys.ts'
import { SUPPORTED_ALGORITHMS, type SupportedAlgorithm } from './algorithms.ts'
import { checkClaimTypes } from './claim-types.ts'
import { checkCompactShape } from './compact-shape.ts'
import { parseStringList } from './scopes.ts'

/** The claims of a verified access token; `iss`, `aud` and `exp` are always present. */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string
  readonly aud: string | string[]
  readonly exp: number
}

/** A verified token: its claims plus the scopes and Auth0 RBAC permissions it grants. */
export interface AccessTokenPrincipal {
  readonly claims: AccessTokenClaims
  readonly scopes: ReadonlySet<string>
  readonly permissions: ReadonlySet<string>
}

/** What the verifier needs from a key source; `RemoteKeySet` is one. */
export interface IssuerKeys {
  issuer(): Promise<string>
  keysFor(alg: string, kid: string | undefined): Promise<readonly PublishedKey[]>
}

export interface AccessTokenVerifierOptions {
  readonly keys: IssuerKeys
  /** The API identifier; the token's `aud` (string or array) must contain it. */
  readonly audience: string
  /**
   * Accepted `alg` values.
   * @default ["RS256"]
   */
  readonly algorithms?: readonly SupportedAlgorithm[]
  /**
   * Allowed clock skew in seconds for `exp`, `nbf` and `iat`.
   * @default 5
   */
  readonly clockToleranceSeconds?: number
  /**
   * RFC 9068 profile: `typ` must be `at+jwt` and `sub`, `client_id`, `iat`, `jti` are required.
   * @default false
   */
  readonly strict?: boolean
  /** Refuse tokens whose `iat` is older than this many seconds (then `iat` is required). */
  readonly maxTokenAgeSeconds?: number
  /** The clock, in milliseconds. */
  readonly now?: () => number
}

export interface AccessTokenVerifier {
  /**
   * Verifies a compact JWS access token. Throws an `AuthError` (401, or 503 when the keys cannot be had) for
   * anything a token or the issuer can cause; any other error is a fault of ours and propagates unchanged.
   */
  verify(token: string): Promise<AccessTokenPrincipal>
}

// RFC 9068 §2.1 and RFC 8725 §3.11: explicit typing. Auth0 sends `JWT`; some issuers send none.
const RFC9068_TYPES = new Set(['at+jwt', 'application/at+jwt'])
const COMPATIBLE_TYPES = new Set([...RFC9068_TYPES, 'jwt', 'application/jwt'])

/**
 * More candidate keys than this for one token are refused without trying any: each try is a signature check, and
 * a key set of 1,000 keys made a kid-less token cost 120 ms. Issuers publish one or two signing keys (Auth0: the
 * current and the next one, each with a `kid`).
 */
export const MAX_CANDIDATE_KEYS = 4

const claimReasons: Partial<Record<string, InvalidTokenReason>> = {
  iss: 'issuer',
  aud: 'audience',
  nbf: 'not_yet_valid',
  iat: 'issued_in_future',
}

/**
 * Maps jose's token errors onto our reasons. Only errors a token can cause are mapped: anything else (a bug of
 * ours, a fault in a key lookup) is returned as it is, so that it reaches the logged 500 path instead of
 * becoming a silent 401 for every valid token.
 */
function classify(error: unknown): unknown {
  if (error instanceof AuthError) return error
  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError(error.claim === 'iat' ? 'too_old' : 'expired', { cause: error, claim: error.claim })
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reason: InvalidTokenReason =
      error.reason === 'missing'
        ? 'missing_claim'
        : error.reason === 'invalid'
          ? 'invalid_claim'
          : (claimReasons[error.claim] ?? 'invalid_claim')
    return new InvalidTokenError(reason, { cause: error, claim: error.claim })
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new InvalidTokenError('signature', { cause: error })
  if (error instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError('algorithm', { cause: error })
  // Malformed JWS/JWT, or a header jose does not support (`crit`, `b64: false`).
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new InvalidTokenError('malformed', { cause: error })
  }
  return error
}

/**
 * Tries each candidate key. A key that cannot be imported is skipped, never the end of the search; a claim error
 * means the signature matched, so it decides the answer.
 */
async function verifyWithCandidates(
  token: string,
  alg: string,
  candidates: readonly PublishedKey[],
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  let tried = false
  for (const candidate of candidates) {
    let key: CryptoKey
    try {
      key = await candidate.importFor(alg)
    } catch {
      continue
    }
    tried = true
    try {
      return (await jwtVerify(token, key, options)).payload
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error
    }
  }
  throw new InvalidTokenError(tried ? 'signature' : 'unknown_key')
}

/** The protected header of untrusted input: every failure to decode it is the token's (jose throws a plain TypeError). */
function decodeHeader(token: string): ReturnType<typeof decodeProtectedHeader> {
  try {
    return decodeProtectedHeader(token)
  } catch (cause) {
    throw new InvalidTokenError('malformed', { cause })
  }
}

function checkNonNegativeInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new TypeError(`"${name}" option must be a non-negative integer`)
  }
}

/**
 * Creates the verifier: jose `jwtVerify` with an algorithm allowlist, exact issuer, audience, required `exp` and
 * clock tolerance, plus what jose leaves out (RFC 9068 typing, a future `iat`, finite NumericDates, string
 * audiences, canonical base64url, bounded key candidates).
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const algorithms = [...(options.algorithms ?? ['RS256'])]
  if (algorithms.length === 0 || algorithms.some((alg) => !SUPPORTED_ALGORITHMS.includes(alg))) {
    throw new TypeError(`"algorithms" option must list some of ${SUPPORTED_ALGORITHMS.join(', ')}`)
  }
  if (typeof options.audience !== 'string' || options.audience === '') {
    throw new TypeError('"audience" option must be a non-empty string')
  }
  const tolerance = options.clockToleranceSeconds ?? 5
  checkNonNegativeInteger('clockToleranceSeconds', tolerance)
  checkNonNegativeInteger('maxTokenAgeSeconds', options.maxTokenAgeSeconds)
  const strict = options.strict ?? false
  const requiredClaims = strict ? ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] : ['iss', 'exp', 'aud']
  const acceptedTypes = strict ? RFC9068_TYPES : COMPATIBLE_TYPES
  const now = options.now ?? Date.now
  const { keys, audience } = options

  async function verify(token: string): Promise<AccessTokenPrincipal> {
    try {
      checkCompactShape(token)
      // Refuse what no key could make valid before asking for keys, so that a broken or wrongly typed token is a
      // 401 even while the issuer is unreachable (jose would decode it only after the keys).
      const header = decodeHeader(token)
      const { alg, kid } = header
      if (typeof alg !== 'string' || !(algorithms as string[]).includes(alg)) throw new InvalidTokenError('algorithm')
      const typ: unknown = header.typ
      if (typ === undefined ? strict : typeof typ !== 'string' || !acceptedTypes.has(typ.toLowerCase())) {
        throw new InvalidTokenError('type')
      }
      if (kid !== undefined && typeof kid !== 'string') throw new InvalidTokenError('malformed')

      const issuer = await keys.issuer()
      const candidates = await keys.keysFor(alg, kid)
      if (candidates.length === 0 || candidates.length > MAX_CANDIDATE_KEYS) throw new InvalidTokenError('unknown_key')
      const currentDate = new Date(now())
      const payload = await verifyWithCandidates(token, alg, candidates, {
        algorithms,
        issuer,
        audience,
        requiredClaims,
        clockTolerance: tolerance,
        currentDate,
        ...(options.maxTokenAgeSeconds === undefined ? {} : { maxTokenAge: options.maxTokenAgeSeconds }),
      })
      checkClaimTypes(payload)
      // jose ignores a future `iat` unless a maximum age is set.
      if (typeof payload.iat === 'number' && payload.iat > currentDate.getTime() / 1000 + tolerance) {
        throw new InvalidTokenError('issued_in_future', { claim: 'iat' })
      }
      return {
        claims: payload as AccessTokenClaims,
        scopes: new Set(typeof payload.scope === 'string' ? parseStringList(payload.scope) : []),
        permissions: new Set(
          Array.isArray(payload.permissions) ? payload.permissions.filter((p) => typeof p === 'string') : [],
        ),
      }
    } catch (error) {
      throw classify(error)
    }
  }

  return { verify }
}
