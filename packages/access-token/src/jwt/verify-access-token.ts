import type { JWTPayload } from 'jose'
import { InvalidTokenError } from '../errors.ts'
import type { PublishedKey } from '../jwks/published-keys.ts'
import { SUPPORTED_ALGORITHMS, type SupportedAlgorithm } from './algorithms.ts'
import { type ClaimRules, checkClaims, presenceOrder, timeFailure } from './claims.ts'
import { type CompactSegments, checkCompactShape } from './compact-shape.ts'
import { tokenIdentity } from './ecdsa-signature.ts'
import { createPrincipal } from './principal.ts'
import { type CheckedHeader, createHeaderCheck, decodeJsonObject, type HeaderRules } from './protected-header.ts'
import { createTokenCache, type TokenCache, type TokenCacheOptions, type TokenCacheView } from './token-cache.ts'

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

/** The issuer and a token's candidate keys, as a key source holds them now. */
export interface KeysAtHand {
  readonly issuer: string
  readonly candidates: readonly PublishedKey[]
}

/** What the verifier needs from a key source; `RemoteKeySet` is one. */
export interface IssuerKeys {
  issuer(): Promise<string>
  keysFor(alg: string, kid: string | undefined): Promise<readonly PublishedKey[]>
  /**
   * `issuer()` and `keysFor()` at once, when they need no waiting; undefined sends the verifier to them. Optional:
   * it only spares the promises of the usual case.
   */
  keysNow?(alg: string, kid: string | undefined): KeysAtHand | undefined
  /**
   * Whether a key still belongs to the key set and may still be used; the token cache drops what a key that is no
   * longer current verified. A key source without it never retires keys.
   */
  isCurrent?(key: PublishedKey): boolean
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
  /**
   * The verified-token cache; `{ maxEntries: 0 }` turns it off.
   * @default { maxEntries: 1000, maxAgeSeconds: 60 }
   */
  readonly cache?: TokenCacheOptions
}

export interface AccessTokenVerifier {
  /**
   * Verifies a compact JWS access token. Throws an `AuthError` (401, or 503 when the keys cannot be had) for
   * anything a token or the issuer can cause; any other error is a fault of ours and propagates unchanged.
   */
  verify(token: string): Promise<AccessTokenPrincipal>
  /**
   * The principal of this very token text, when the token cache holds it and may serve it now: a hit, counted as
   * one, and nothing to wait for. Otherwise undefined and nothing counted; `verify` then does the rest. Optional: a
   * verifier without it is asked `verify` for every token.
   */
  cached?(token: string): AccessTokenPrincipal | undefined
  /** The verified-token cache's counters; undefined when it is off (or the verifier has none). */
  readonly cache?: TokenCacheView | undefined
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

function checkNonNegativeInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new TypeError(`"${name}" option must be a non-negative integer`)
  }
}

/**
 * Tries each candidate key and returns the one whose signature matches. A key that cannot be imported is skipped,
 * never the end of the search.
 */
function findSigningKey(
  token: string,
  [, , signatureSegment]: CompactSegments,
  alg: string,
  candidates: readonly PublishedKey[],
): PublishedKey {
  const signingInput = token.slice(0, token.length - signatureSegment.length - 1)
  const signature = Buffer.from(signatureSegment, 'base64url')
  let tried = false
  for (const candidate of candidates) {
    const check = candidate.signatureCheck(alg)
    if (check === undefined) continue
    tried = true
    if (check(signingInput, signature)) return candidate
  }
  throw InvalidTokenError.of(tried ? 'signature' : 'unknown_key')
}

/**
 * Creates the verifier. In order: the compact shape (bounded, canonical base64url), the protected header decoded
 * once (`alg` allow-list, `typ`, `kid`, `crit`), the token cache, then the key set (bounded candidates), the
 * signature (`node:crypto`, see `signature.ts`), and the claims (`claims.ts`: exact issuer, audience, required
 * `exp`, clock tolerance, maximum age, RFC 9068 typing, finite NumericDates, string claims, no future `iat`).
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
  const headerRules: HeaderRules = {
    algorithms: new Set(algorithms),
    acceptedTypes: strict ? RFC9068_TYPES : COMPATIBLE_TYPES,
    typeRequired: strict,
  }
  const checkHeader = createHeaderCheck(headerRules)
  const claimRules: ClaimRules = {
    audience: options.audience,
    presence: presenceOrder(requiredClaims, options.maxTokenAgeSeconds),
    toleranceSeconds: tolerance,
    maxTokenAgeSeconds: options.maxTokenAgeSeconds,
  }
  const now = options.now ?? Date.now
  const { keys } = options
  const cache: TokenCache | undefined = createTokenCache(options.cache ?? {}, {
    isCurrent: (key) => keys.isCurrent?.(key) ?? true,
    stillValid: (principal, nowMs) => timeFailure(principal.claims, claimRules, nowMs) === undefined,
  })

  type Verified = { principal: AccessTokenPrincipal; key: PublishedKey; verifiedAt: number }

  /** The signature and the claims, once the issuer and the candidate keys are known. */
  function verifyWith(
    token: string,
    segments: CompactSegments,
    alg: string,
    issuer: string,
    candidates: readonly PublishedKey[],
  ): Verified {
    if (candidates.length === 0 || candidates.length > MAX_CANDIDATE_KEYS) throw InvalidTokenError.of('unknown_key')
    const key = findSigningKey(token, segments, alg, candidates)
    // Decoded only once the signature matched, as jose does: the payload is the issuer's from here on.
    const payload = decodeJsonObject(segments[1])
    if (payload === undefined) throw InvalidTokenError.of('malformed')
    const verifiedAt = now()
    checkClaims(payload, issuer, claimRules, verifiedAt)
    return { principal: createPrincipal(payload), key, verifiedAt }
  }

  /**
   * Everything after the header: keys, signature, claims. Synchronous when the key source holds the keys
   * (`keysNow`, nearly every request); it throws or rejects the same errors either way.
   */
  function verifyWithKeys(
    token: string,
    segments: CompactSegments,
    { alg, kid }: CheckedHeader,
  ): Verified | Promise<Verified> {
    const atHand = keys.keysNow?.(alg, kid)
    if (atHand !== undefined) return verifyWith(token, segments, alg, atHand.issuer, atHand.candidates)
    return (async () => {
      const issuer = await keys.issuer()
      const candidates = await keys.keysFor(alg, kid)
      return verifyWith(token, segments, alg, issuer, candidates)
    })()
  }

  // A token's identity is its text unless ECDSA is allowed (`tokenIdentity`): then the lookup needs `alg`, from
  // the header. Otherwise the cache is asked first, and a hit skips the shape and header checks, which the very same
  // text passed when it was stored.
  const identityIsText = !algorithms.some((alg) => alg.startsWith('ES'))

  /** Verifies in full; `identity` is the token's cache key when the cache was already asked for it. */
  function verifyUncached(token: string, identity: string | undefined): Promise<AccessTokenPrincipal> {
    let cacheKey = identity
    let verified: Verified | Promise<Verified>
    try {
      const segments = checkCompactShape(token)
      // Refuse what no key could make valid before asking for keys, so that a broken or wrongly typed token is a
      // 401 even while the issuer is unreachable.
      const header = checkHeader(segments[0])
      if (cache !== undefined && cacheKey === undefined) {
        cacheKey = tokenIdentity(token, header.alg)
        const cached = cache.get(cacheKey, now())
        if (cached !== undefined) return Promise.resolve(cached)
      }
      verified = verifyWithKeys(token, segments, header)
    } catch (error) {
      return Promise.reject(error)
    }
    const key = cacheKey
    const keep = (result: Verified) => {
      if (cache !== undefined && key !== undefined) cache.set(key, result, result.verifiedAt, token.length)
      return result.principal
    }
    if (verified instanceof Promise) return verified.then(keep)
    try {
      return Promise.resolve(keep(verified))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  function verify(token: string): Promise<AccessTokenPrincipal> {
    if (cache === undefined || !identityIsText) return verifyUncached(token, undefined)
    const cached = cache.get(token, now())
    return cached === undefined ? verifyUncached(token, token) : Promise.resolve(cached)
  }

  // Only when a token's text is its identity: the same text is then the same cache key.
  const cached = cache === undefined || !identityIsText ? undefined : (token: string) => cache.lookup(token, now())

  return { verify, cache, ...(cached === undefined ? {} : { cached }) }
}
