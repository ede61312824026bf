import { InvalidTokenError } from '../errors.ts'
import type { SupportedAlgorithm } from './algorithms.ts'

// RFC 8725 §3.7: JOSE text is UTF-8, and a byte sequence that is not is refused rather than repaired (as jose's
// own decoder does; a lenient one would turn it into U+FFFD and let two byte strings mean one claim).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The JSON object of one segment, or undefined when it is not one. The segment is canonical base64url
 * (`checkCompactShape`), so decoding cannot meet a character outside the alphabet.
 */
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')))
  } catch {
    return undefined
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

export interface HeaderRules {
  /** The allow-list of `alg` values. */
  readonly algorithms: ReadonlySet<string>
  /** Accepted `typ` values, lowercased. */
  readonly acceptedTypes: ReadonlySet<string>
  /** Whether a header without `typ` is refused (RFC 9068 strict mode). */
  readonly typeRequired: boolean
}

export interface CheckedHeader {
  readonly alg: SupportedAlgorithm
  readonly kid: string | undefined
}

/**
 * RFC 7515 §4.1.11 `crit`, as jose's `jwtVerify` enforces it for a JWT: when present, a non-empty array of
 * non-empty strings, each an extension this code understands. The only one is `b64` (RFC 7797), and a JWT must
 * not use an unencoded payload, so `b64` may only be `true`. Anything else is refused.
 */
function critAccepted(header: Record<string, unknown>): boolean {
  const { crit } = header
  if (crit === undefined) return true
  if (!Array.isArray(crit) || crit.length === 0) return false
  for (const name of crit) {
    if (name !== 'b64') return false
  }
  return header.b64 === true
}

/**
 * Decodes the protected header once and refuses, before any key is needed, what no key could make valid: a
 * header that is not a JSON object, an `alg` outside the allow-list, an unaccepted `typ`, a `kid` that is not a
 * string, a `crit` extension this code does not implement.
 */
export function checkProtectedHeader(segment: string, rules: HeaderRules): CheckedHeader {
  const header = decodeJsonObject(segment)
  if (header === undefined) throw InvalidTokenError.of('malformed')
  const { alg, kid, typ } = header
  if (typeof alg !== 'string' || !rules.algorithms.has(alg)) throw InvalidTokenError.of('algorithm')
  // RFC 9068 §2.1 and RFC 8725 §3.11: explicit typing, compared without case (media types are case-insensitive).
  if (typ === undefined ? rules.typeRequired : typeof typ !== 'string' || !rules.acceptedTypes.has(typ.toLowerCase())) {
    throw InvalidTokenError.of('type')
  }
  if (kid !== undefined && typeof kid !== 'string') throw InvalidTokenError.of('malformed')
  if (!critAccepted(header)) throw InvalidTokenError.of('malformed')
  return { alg: alg as SupportedAlgorithm, kid }
}

/** Distinct protected headers remembered; an issuer's tokens share one per signing key. */
const MAX_KNOWN_HEADERS = 32

/**
 * `checkProtectedHeader` for one set of rules, remembering the headers it accepted: every token an issuer signs
 * with one key has the same header text, so decoding it again (base64url, UTF-8, JSON) was a cost per request for
 * nothing. Only accepted headers are kept (frozen); a refused one is decoded and refused every time. Bounded: the
 * memory is emptied when full, so made-up headers cost what they cost before.
 */
export function createHeaderCheck(rules: HeaderRules): (segment: string) => CheckedHeader {
  const known = new Map<string, CheckedHeader>()
  return function checkHeader(segment) {
    let header = known.get(segment)
    if (header === undefined) {
      header = Object.freeze(checkProtectedHeader(segment, rules))
      if (known.size >= MAX_KNOWN_HEADERS) known.clear()
      known.set(segment, header)
    }
    return header
  }
}
