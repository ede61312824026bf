import { exportJWK, generateKeyPair, type JWK, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose'

/** A signing key made for one test run: nothing is committed, nothing is reused. */
export interface TestKey {
  readonly kid: string
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

let counter = 0

export async function generateTestKey(alg = 'RS256', kid = `test-key-${++counter}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, publicJwk }
}

export interface SignOptions {
  /** Header parameters to add or override (`typ`, `kid`, `crit`, …); `null` removes one. */
  readonly header?: Record<string, unknown>
}

/** Signs `claims` as a compact JWS with `key`; the header defaults to `{ alg, kid, typ: "JWT" }`. */
export async function signToken(key: TestKey, claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header }
  for (const [name, value] of Object.entries(header)) if (value === null) delete header[name]
  return new SignJWT(claims).setProtectedHeader(header as JWTHeaderParameters).sign(key.privateKey)
}

const encoder = new TextEncoder()
const base64url = (data: string | Uint8Array) =>
  Buffer.from(typeof data === 'string' ? encoder.encode(data) : data).toString('base64url')

/** Builds a compact token from raw parts, for tokens no library would sign (`alg: none`, HS256 with a public key). */
export async function craftToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  sign: (input: Uint8Array<ArrayBuffer>) => Promise<Uint8Array> | Uint8Array = () => new Uint8Array(),
): Promise<string> {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
  const signature = await sign(encoder.encode(input))
  return `${input}.${base64url(signature)}`
}

/** HMAC-SHA256 with an arbitrary secret: the classic "public key as HS256 secret" attack. */
export async function hmacSha256(secret: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data))
}
