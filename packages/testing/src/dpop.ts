import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, type JWTHeaderParameters, SignJWT } from 'jose'

/** A client's DPoP key pair, made for one test run, with its public JWK and RFC 7638 thumbprint (`cnf.jkt`). */
export interface DpopTestKey {
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  /** The private key as a JWK, for the "private key in `jwk`" attack. */
  readonly privateJwk: JWK
  readonly thumbprint: string
}

export async function generateDpopKey(alg = 'ES256'): Promise<DpopTestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  return {
    alg,
    privateKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    thumbprint: await calculateJwkThumbprint(publicJwk),
  }
}

export interface ProofClaims {
  readonly htm: string
  readonly htu: string
  /** The access token the proof goes with; its hash becomes `ath`. */
  readonly accessToken?: string
  /** Seconds; defaults to now. */
  readonly iat?: number
  readonly jti?: string
  readonly nonce?: string
  /** Any other claim, or `undefined` to leave a default one out. */
  readonly extra?: Record<string, unknown>
}

/** `ath`: the base64url SHA-256 of the access token. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')

/**
 * Signs a DPoP proof (RFC 9449 §4.2) with `key`: `typ: dpop+jwt`, the public `jwk`, `jti`, `htm`, `htu`, `iat`, and
 * `ath` when there is a token. `header` overrides or (with `null`) removes header parameters.
 */
export async function signDpopProof(
  key: DpopTestKey,
  claims: ProofClaims,
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: claims.jti ?? crypto.randomUUID(),
    htm: claims.htm,
    htu: claims.htu,
    iat: claims.iat ?? Math.floor(Date.now() / 1000),
    ...(claims.accessToken === undefined ? {} : { ath: tokenHash(claims.accessToken) }),
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
    ...claims.extra,
  }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  const protectedHeader: Record<string, unknown> = { alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...header }
  for (const [name, value] of Object.entries(protectedHeader)) if (value === null) delete protectedHeader[name]
  return new SignJWT(payload).setProtectedHeader(protectedHeader as JWTHeaderParameters).sign(key.privateKey)
}
