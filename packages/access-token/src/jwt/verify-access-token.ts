import {
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose'
import { AuthError, InvalidTokenError, type InvalidTokenReason } from '../errors.ts'
import { parseStringList } from './scopes.ts'

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
  getKey: JWTVerifyGetKey
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
  /** Verifies a compact JWS access token; throws an `AuthError` (401 or 503), never anything else. */
  verify(token: string): Promise<AccessTokenPrincipal>
}

// Bounds for the compact serialisation before any decoding: a JOSE header is a few hundred bytes, and
// claims larger than 16 KiB are not an access token. `extractBearerToken` already caps the whole
// Authorization header at 12 KiB, so over HTTP the payload bound is never the one that bites; it keeps
// `verify` bounded for any other caller (a 50 MiB payload costs about half a second of hashing before
// the signature fails) and caps how deep the claims can nest (about 6,000 levels, far below the 30,000 to
// 50,000 where a recursive JSON.stringify or structuredClone of them overflows the stack).
const MAX_HEADER_SEGMENT = 2048
const MAX_PAYLOAD_SEGMENT = 16 * 1024
const BASE64URL = /^[A-Za-z0-9_-]*$/
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// RFC 9068 §2.1 and RFC 8725 §3.11: explicit typing. Auth0 sends `JWT`; some issuers send none.
const RFC9068_TYPES = new Set(['at+jwt', 'application/at+jwt'])
const COMPATIBLE_TYPES = new Set([...RFC9068_TYPES, 'jwt', 'application/jwt'])

/**
 * RFC 4648 §3.5: the bits the last character carries beyond the data must be zero. Decoders ignore them,
 * so without this one RS256 signature has 16 spellings and a token's text is not unique, which defeats
 * anything keyed on it (a replay or revocation list, a cache).
 */
function isCanonicalBase64url(segment: string): boolean {
  const tail = segment.length % 4
  // A whole group has no spare bits; a lone last character encodes no byte at all (invalid base64).
  if (tail === 0) return true
  if (tail === 1) return false
  const last = BASE64URL_ALPHABET.indexOf(segment.charAt(segment.length - 1))
  // Two characters carry one byte (4 spare bits); three carry two bytes (2 spare bits).
  return last % (tail === 2 ? 16 : 4) === 0
}

function checkCompactShape(token: string): void {
  const segments = token.split('.')
  if (segments.length !== 3) throw new InvalidTokenError('malformed')
  const [header, payload, signature] = segments as [string, string, string]
  if (
    header.length === 0 ||
    header.length > MAX_HEADER_SEGMENT ||
    payload.length === 0 ||
    payload.length > MAX_PAYLOAD_SEGMENT ||
    signature.length === 0
  ) {
    throw new InvalidTokenError('malformed')
  }
  for (const segment of segments) {
    if (!BASE64URL.test(segment) || !isCanonicalBase64url(segment)) throw new InvalidTokenError('malformed')
  }
}

const claimReasons: Partial<Record<string, InvalidTokenReason>> = {
  iss: 'issuer',
  aud: 'audience',
  nbf: 'not_yet_valid',
  iat: 'issued_in_future',
}

/** Maps jose's error codes onto our reasons; anything unrecognised is refused as malformed (fail closed). */
function classify(error: unknown): AuthError {
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
  const code = (error as { code?: unknown })?.code
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new InvalidTokenError('signature', { cause: error })
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new InvalidTokenError('algorithm', { cause: error })
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new InvalidTokenError('unknown_key', { cause: error })
    default:
      return new InvalidTokenError('malformed', { cause: error })
  }
}

/**
 * jose's `jwtVerify`, plus the case it leaves to callers: a token without `kid` when the key set holds
 * several keys of its type. Each candidate is tried; a claim error from one means its signature matched.
 */
async function verifySignatureAndClaims(token: string, getKey: JWTVerifyGetKey, options: JWTVerifyOptions) {
  try {
    return await jwtVerify(token, getKey, options)
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error
    for await (const key of error as AsyncIterable<CryptoKey>) {
      try {
        return await jwtVerify(token, key, options)
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt
      }
    }
    throw new InvalidTokenError('signature')
  }
}

function checkPositiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new TypeError(`"${name}" option must be a non-negative integer`)
  }
}

/**
 * Creates the verifier: jose `jwtVerify` with an algorithm allowlist, exact issuer, audience, required
 * `exp`, clock tolerance, plus what jose leaves out (RFC 9068 typing, an `iat` in the future).
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
  checkPositiveInteger('clockToleranceSeconds', tolerance)
  checkPositiveInteger('maxTokenAgeSeconds', options.maxTokenAgeSeconds)
  const strict = options.strict ?? false
  const requiredClaims = strict ? ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] : ['iss', 'exp', 'aud']
  const acceptedTypes = strict ? RFC9068_TYPES : COMPATIBLE_TYPES
  const now = options.now ?? Date.now
  const { keys, audience } = options

  async function verify(token: string): Promise<AccessTokenPrincipal> {
    try {
      checkCompactShape(token)
      // Refuse what no key could make valid before asking for keys, so that a broken or wrongly typed
      // token is a 401 even while the issuer is unreachable (jose would decode it only after the keys).
      const header = decodeProtectedHeader(token)
      if (typeof header.alg !== 'string' || !(algorithms as string[]).includes(header.alg)) {
        throw new InvalidTokenError('algorithm')
      }
      const typ: unknown = header.typ
      if (typ === undefined ? strict : typeof typ !== 'string' || !acceptedTypes.has(typ.toLowerCase())) {
        throw new InvalidTokenError('type')
      }
      const issuer = await keys.issuer()
      const currentDate = new Date(now())
      const { payload } = await verifySignatureAndClaims(token, keys.getKey, {
        algorithms,
        issuer,
        audience,
        requiredClaims,
        clockTolerance: tolerance,
        currentDate,
        ...(options.maxTokenAgeSeconds === undefined ? {} : { maxTokenAge: options.maxTokenAgeSeconds }),
      })
      // jose ignores a future `iat` unless a maximum age is set.
      if (typeof payload.iat === 'number' && payload.iat > currentDate.getTime() / 1000 + tolerance) {
        throw new InvalidTokenError('issued_in_future', { claim: 'iat' })
      }
      for (const claim of ['sub', 'client_id', 'jti', 'scope'] as const) {
        if (payload[claim] !== undefined && typeof payload[claim] !== 'string') {
          throw new InvalidTokenError('invalid_claim', { claim })
        }
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
