import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'

/** Where the signing key came from, for the start-up log. */
export type KeyOrigin = 'environment' | 'file' | 'generated' | 'generated-and-saved'

async function generate(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true })
  const jwk = await exportJWK(privateKey)
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' }
}

/**
 * The RS256 private key: given (ISSUER_SIGNING_KEY), read from its file, or generated on first start
 * and saved to the file when one is configured. Never part of the repository or the image.
 */
export async function loadSigningKey(options: { key?: string | undefined; file?: string | undefined }): Promise<{
  jwk: JWK
  origin: KeyOrigin
}> {
  if (options.key !== undefined) return { jwk: JSON.parse(options.key) as JWK, origin: 'environment' }
  const { file } = options
  if (file !== undefined && existsSync(file)) {
    return { jwk: JSON.parse(readFileSync(file, 'utf8')) as JWK, origin: 'file' }
  }
  const jwk = await generate()
  if (file === undefined) return { jwk, origin: 'generated' }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 })
  return { jwk, origin: 'generated-and-saved' }
}
