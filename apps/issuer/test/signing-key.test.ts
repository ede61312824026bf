import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSigningKey } from '../src/signing-key.ts'

const dir = mkdtempSync(join(tmpdir(), 'issuer-key-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('loadSigningKey', () => {
  test('generates a key on first start, saves it privately, and reuses it after', async () => {
    const file = join(dir, 'nested', 'signing-key.json')
    const first = await loadSigningKey({ file })
    expect(first.origin).toBe('generated-and-saved')
    expect(first.jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(first.jwk.d).toBeString()
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const second = await loadSigningKey({ file })
    expect(second).toEqual({ jwk: first.jwk, origin: 'file' })
  })

  test('without a file, a fresh key each time; a given key wins', async () => {
    const a = await loadSigningKey({})
    const b = await loadSigningKey({})
    expect(a.origin).toBe('generated')
    expect(a.jwk.kid).not.toBe(b.jwk.kid)
    const given = await loadSigningKey({ key: JSON.stringify(a.jwk), file: join(dir, 'unused.json') })
    expect(given).toEqual({ jwk: a.jwk, origin: 'environment' })
  })
})
