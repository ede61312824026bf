import { InvalidTokenError } from '../errors.ts'

// Bounds for the compact serialisation before any decoding: a JOSE header is a few hundred bytes, and claims larger
// than 16 KiB are not an access token. `extractBearerToken` already caps the whole Authorization header at 12 KiB,
// so over HTTP the payload bound is never the one that bites; it keeps `verify` bounded for any other caller (a
// 50 MiB payload costs about half a second of hashing before the signature fails) and caps how deep the claims can
// nest (about 6,000 levels, far below the 30,000 to 50,000 where a recursive JSON.stringify of them overflows).
const MAX_HEADER_SEGMENT = 2048
const MAX_PAYLOAD_SEGMENT = 16 * 1024
const BASE64URL = /^[A-Za-z0-9_-]+$/
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * RFC 4648 §3.5: the bits the last character carries beyond the data must be zero. Decoders ignore them, so
 * without this one RS256 signature has 16 spellings and a token's text is not unique, which defeats anything
 * keyed on it (a replay or revocation list, a cache).
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

/** The three segments of a compact JWS: protected header, payload, signature. */
export type CompactSegments = readonly [header: string, payload: string, signature: string]

/**
 * Refuses anything but three bounded, canonical base64url segments, so that one token has one spelling; returns
 * the segments.
 */
export function checkCompactShape(token: string): CompactSegments {
  const segments = token.split('.')
  // Not three segments is not a JWS at all: an opaque or encrypted (five-segment) token, as Auth0 issues when the token
  // request named no audience.
  if (segments.length !== 3) throw InvalidTokenError.of('not_a_jwt')
  const [header, payload] = segments as [string, string, string]
  if (header.length > MAX_HEADER_SEGMENT || payload.length > MAX_PAYLOAD_SEGMENT) {
    throw InvalidTokenError.of('malformed')
  }
  for (const segment of segments) {
    if (!BASE64URL.test(segment) || !isCanonicalBase64url(segment)) throw InvalidTokenError.of('malformed')
  }
  return segments as unknown as CompactSegments
}
