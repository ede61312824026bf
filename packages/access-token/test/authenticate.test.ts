import { beforeAll, describe, expect, test } from 'bun:test'
import { generateTestKey, signToken, type TestKey } from '@repo/testing'
import {
  type AccessRequirement,
  type Authenticator,
  createAccessTokenVerifier,
  createAuthenticator,
  createLocalKeys,
} from '../src/index.ts'

const issuer = 'https://issuer.example.test/'
const audience = 'https://api.example.test'
let key: TestKey
let authenticator: Authenticator

beforeAll(async () => {
  key = await generateTestKey('RS256')
  const keys = createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } })
  authenticator = createAuthenticator({ verifier: createAccessTokenVerifier({ keys, audience }) })
})

const token = (claims: Record<string, unknown> = {}) =>
  signToken(key, { iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60, ...claims })

/** The error code (or 'ok') of authenticating a Fetch API request. */
async function outcome(init: { url?: string; authorization?: string }, requirement?: AccessRequirement) {
  const headers = init.authorization === undefined ? undefined : { authorization: init.authorization }
  const request = new Request(init.url ?? 'https://api.example.test/api/private', { headers })
  return authenticator.authenticate(request, requirement).then(
    (principal) => `ok:${principal.claims.sub ?? ''}`,
    (error: { code?: string }) => error.code ?? String(error),
  )
}

describe('authenticate: extract, verify, check access', () => {
  test('a valid bearer token resolves to its principal', async () => {
    expect(await outcome({ authorization: `Bearer ${await token({ sub: 'c1' })}` })).toBe('ok:c1')
  })

  test('each stage refuses with its own code', async () => {
    expect(await outcome({})).toBe('missing_credentials')
    expect(await outcome({ authorization: 'Basic dXNlcjpwYXNz' })).toBe('missing_credentials')
    expect(await outcome({ authorization: 'Bearer a b' })).toBe('invalid_request')
    expect(await outcome({ url: 'https://api.example.test/x?access_token=abc' })).toBe('invalid_request')
    expect(await outcome({ authorization: 'Bearer a.b.c' })).toBe('invalid_token')
    const scoped = { scopes: ['read:messages'] }
    expect(await outcome({ authorization: `Bearer ${await token({ scope: 'write:messages' })}` }, scoped)).toBe(
      'insufficient_scope',
    )
    expect(await outcome({ authorization: `Bearer ${await token({ scope: 'read:messages' })}` }, scoped)).toBe('ok:')
  })

  test('the body is never read: a body token is not a credential', async () => {
    const request = new Request('https://api.example.test/api/private', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${await token()}`,
    })
    await expect(authenticator.authenticate(request)).rejects.toMatchObject({ code: 'missing_credentials' })
    expect(request.bodyUsed).toBe(false)
  })
})
