import type { JWTPayload } from 'jose'
import { InvalidTokenError } from '../errors.ts'

// RFC 7519 §2: a NumericDate is a number of seconds. `JSON.parse("1e309")` is Infinity, which jose's `typeof`
// checks let through as a token that never expires: only finite numbers are NumericDates here.
const NUMERIC_DATES = ['exp', 'nbf', 'iat'] as const
const STRINGS = ['sub', 'client_id', 'jti', 'scope'] as const

/** The types jose does not check, on a payload whose signature and claim values jose has verified. */
export function checkClaimTypes(payload: JWTPayload): void {
  for (const claim of NUMERIC_DATES) {
    const value = payload[claim]
    if (value !== undefined && !Number.isFinite(value)) throw new InvalidTokenError('invalid_claim', { claim })
  }
  // RFC 7519 §4.1.3: `aud` is a string or an array of strings; jose only looks for the expected member.
  if (Array.isArray(payload.aud) && !payload.aud.every((member) => typeof member === 'string')) {
    throw new InvalidTokenError('invalid_claim', { claim: 'aud' })
  }
  for (const claim of STRINGS) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') {
      throw new InvalidTokenError('invalid_claim', { claim })
    }
  }
}
