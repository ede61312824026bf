/**
 * The claim checks of a verified payload: what jose's `jwtVerify` checks for the options this verifier used to pass
 * it (`issuer`, `audience`, `requiredClaims`, `clockTolerance`, `maxTokenAge`; jose `src/lib/jwt_claims_set.ts`),
 * plus what jose leaves out (finite NumericDates, string-typed claims, a future `iat` without a maximum age).
 * Hand-written because the signature is no longer checked by jose (see `signature.ts`); the tests of
 * verify-access-token.test.ts pin every rule and reason.
 *
 * The clock-dependent checks are separate (`timeFailure`): the token cache runs them again on every hit.
 */
import { InvalidTokenError, type InvalidTokenReason } from '../errors.ts'

export interface ClaimRules {
  readonly audience: string
  /** Claims that must be present, in the order their absence is reported (jose's order). */
  readonly presence: readonly string[]
  readonly toleranceSeconds: number
  readonly maxTokenAgeSeconds: number | undefined
}

/**
 * The presence checks in jose's order: the required claims, then `iat` when a maximum age is set, `aud` and `iss`,
 * reversed and without repeats; so the first claim reported missing is the one jose would report.
 */
export function presenceOrder(requiredClaims: readonly string[], maxTokenAgeSeconds: number | undefined): string[] {
  const list = [...requiredClaims, ...(maxTokenAgeSeconds === undefined ? [] : ['iat']), 'aud', 'iss']
  return [...new Set(list.reverse())]
}

// RFC 7519 §2: a NumericDate is a number of seconds. `JSON.parse("1e309")` is Infinity, which a `typeof` check lets
// through as a token that never expires: only finite numbers are NumericDates here.
const NUMERIC_DATES = ['exp', 'nbf', 'iat'] as const
const STRINGS = ['sub', 'client_id', 'jti', 'scope'] as const

function audienceContains(aud: unknown, audience: string): boolean {
  return typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience)
}

/** The types jose does not check. */
function typeFailure(payload: Record<string, unknown>): string | undefined {
  for (const claim of NUMERIC_DATES) {
    const value = payload[claim]
    if (value !== undefined && !Number.isFinite(value)) return claim
  }
  // RFC 7519 §4.1.3: `aud` is a string or an array of strings; the audience check only looks for one member.
  if (Array.isArray(payload.aud) && !payload.aud.every((member) => typeof member === 'string')) return 'aud'
  for (const claim of STRINGS) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') return claim
  }
  return undefined
}

/**
 * The first clock-dependent check that fails at `nowMs`, as [reason, claim], or undefined when all pass. Call only
 * on a payload whose NumericDates passed `typeFailure`. Seconds are whole as in jose (`now` rounded down), with the
 * tolerance applied to `nbf`, `exp` and both ends of the token's age.
 */
export function timeFailure(
  payload: Record<string, unknown>,
  rules: ClaimRules,
  nowMs: number,
): readonly [InvalidTokenReason, string] | undefined {
  const tolerance = rules.toleranceSeconds
  const now = Math.floor(nowMs / 1000)
  const { nbf, exp, iat } = payload as { nbf?: number; exp?: number; iat?: number }
  if (nbf !== undefined && nbf > now + tolerance) return ['not_yet_valid', 'nbf']
  if (exp !== undefined && exp <= now - tolerance) return ['expired', 'exp']
  if (rules.maxTokenAgeSeconds !== undefined && iat !== undefined) {
    const age = now - iat
    if (age - tolerance > rules.maxTokenAgeSeconds) return ['too_old', 'iat']
    if (age < -tolerance) return ['issued_in_future', 'iat']
  }
  // jose ignores a future `iat` unless a maximum age is set; this refuses it in every mode.
  if (iat !== undefined && iat > nowMs / 1000 + tolerance) return ['issued_in_future', 'iat']
  return undefined
}

/** Every claim check, in order: presence, `iss`, `aud`, types, then the clock. Throws `InvalidTokenError`. */
export function checkClaims(payload: Record<string, unknown>, issuer: string, rules: ClaimRules, nowMs: number): void {
  for (const claim of rules.presence) {
    if (!Object.hasOwn(payload, claim)) throw new InvalidTokenError('missing_claim', { claim })
  }
  if (payload.iss !== issuer) throw new InvalidTokenError('issuer', { claim: 'iss' })
  if (!audienceContains(payload.aud, rules.audience)) {
    throw new InvalidTokenError('audience', { claim: 'aud', expectedAudience: rules.audience })
  }
  const mistyped = typeFailure(payload)
  if (mistyped !== undefined) throw new InvalidTokenError('invalid_claim', { claim: mistyped })
  const failed = timeFailure(payload, rules, nowMs)
  if (failed !== undefined) throw new InvalidTokenError(failed[0], { claim: failed[1] })
}
