import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { createAdmission } from '../src/jwt/token-admission.ts'

// Token-shaped keys: one header and payload, each with a random 256-byte signature (what an RS256 token ends with).
const keys = (count: number, prefix: string) =>
  Array.from({ length: count }, () => `eyJhbGciOiJSUzI1NiJ9.${prefix}.${randomBytes(256).toString('base64url')}`)

describe('token cache admission', () => {
  test('a key is admitted on its second sighting, not its first, and then starts over', () => {
    const admit = createAdmission(1000)
    const [key] = keys(1, 'one') as [string]
    expect([admit(key), admit(key), admit(key), admit(key)]).toEqual([false, true, false, true])
  })

  test('every key is admitted when seen again soon, whatever its digest', () => {
    const admit = createAdmission(1000)
    for (const key of keys(500, 'again')) {
      expect(admit(key)).toBe(false)
      expect(admit(key)).toBe(true)
    }
  })

  test('keys seen once are not admitted, and one key is not another', () => {
    const admit = createAdmission(1000)
    const first = keys(300, 'first')
    expect(first.filter((key) => admit(key))).toEqual([])
    // Other keys, landing in slots the first ones took, are still first sightings.
    expect(keys(300, 'second').filter((key) => admit(key))).toEqual([])
  })
})
