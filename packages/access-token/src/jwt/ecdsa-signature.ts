/**
 * ECDSA signatures are malleable: if (r, s) verifies, so does (r, n − s). Both spellings are accepted, because
 * standard signers do not normalise: jose on WebCrypto, node:crypto and OpenSSL emit the high-S form about half
 * the time (measured here: 110 of 200 ES256 signatures), so refusing it would refuse every second token of an
 * ES256 issuer. Instead the two spellings are one token to anything keyed on its text (the verified-token cache, a
 * replay or revocation list): `tokenIdentity` spells the signature in its low-S form (as Bitcoin's BIP 62 does).
 */

// Curve orders (SEC 2 §2.4.2, §2.5.1, §2.6.1; FIPS 186-4 D.1.2) and the size of r and s in JWS (RFC 7518 §3.4).
const CURVES: Readonly<Record<string, { readonly bytes: number; readonly n: bigint }>> = {
  ES256: { bytes: 32, n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  ES384: {
    bytes: 48,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  ES512: {
    bytes: 66,
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
}

/** The low-S spelling of a compact ECDSA signature segment; other algorithms' segments are returned as they are. */
export function canonicalSignature(alg: string, signatureSegment: string): string {
  const curve = CURVES[alg]
  if (curve === undefined) return signatureSegment
  const signature = Buffer.from(signatureSegment, 'base64url')
  if (signature.length !== curve.bytes * 2) return signatureSegment
  const s = BigInt(`0x${signature.subarray(curve.bytes).toString('hex')}`)
  // An s of n or more is no signature at all (it never verifies): left as it is, it cannot take a valid token's
  // identity, whereas n − s would be negative and spell something else.
  if (s <= curve.n >> 1n || s >= curve.n) return signatureSegment
  const low = Buffer.from((curve.n - s).toString(16).padStart(curve.bytes * 2, '0'), 'hex')
  return Buffer.concat([signature.subarray(0, curve.bytes), low]).toString('base64url')
}

/**
 * One text per token, for anything keyed on it. Base64url is already canonical (`checkCompactShape`); this adds the
 * low-S form of an ECDSA signature, so a signature's twin is the same token.
 */
export function tokenIdentity(token: string, alg: string): string {
  if (CURVES[alg] === undefined) return token
  const cut = token.lastIndexOf('.')
  return `${token.slice(0, cut + 1)}${canonicalSignature(alg, token.slice(cut + 1))}`
}
