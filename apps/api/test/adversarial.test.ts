import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { toAuthErrorResponse } from '@repo/access-token'
import {
  createManualClock,
  generateTestKey,
  type IssuerStub,
  signToken,
  startIssuerStub,
  type TestKey,
} from '@repo/testing'
import type { JWK } from 'jose'
import { createApp } from '../src/app.ts'
import { createJsonLogger } from '../src/logger.ts'
import { audience, challengeOf, closeTestApis, createTestApi, request, stubAppDependencies } from './helpers.ts'

// What an attacker tried over HTTP (issue 8 §4), each answered as it must be. The rules themselves are tested in
// packages/access-token; these prove that the app, as wired, holds them.
let issuer: IssuerStub
beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(() => issuer.close())
beforeEach(() => {
  issuer.reset()
})
afterEach(() => {
  closeTestApis()
})

function loggedApi(env: Record<string, string> = {}) {
  const lines: string[] = []
  const api = createTestApi(issuer, { env, logger: createJsonLogger((line) => lines.push(line)) })
  return { ...api, lines }
}

describe('a hostile issuer', () => {
  test('an endless key-set answer is cut at 512 KiB: 503, and memory stays flat over repeated attempts', async () => {
    issuer.mode = 'endless'
    const clock = createManualClock(Date.now())
    const { app } = createTestApi(issuer, { clock })
    const token = await issuer.mint()
    Bun.gc(true)
    const before = process.memoryUsage().rss
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const answer = await request(app, '/api/private', { token })
      expect(answer.status).toBe(503)
      expect(answer.body).toMatchObject({
        error_description: 'The token issuer sent an unusable key set; try again later',
      })
      // To the end of the backoff, where the retry timer starts the next fetch (before its own deadline).
      clock.advance(Number(answer.headers.get('retry-after')) * 1000)
    }
    Bun.gc(true)
    // Unbounded, each attempt read until the 300 ms deadline: hundreds of MB at loopback speed.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024)
    expect(issuer.discoveryRequests + issuer.jwksRequests).toBe(10) // each attempt fetched, and was cut
  })

  test('a discovered jwks_uri over plain http to another host is refused; its credentials never reach a log', async () => {
    issuer.discoveryExtra = { jwks_uri: 'http://user:hunter2@keys.example.invalid/jwks.json' }
    const { app, lines } = loggedApi()
    const answer = await request(app, '/api/private', { token: await issuer.mint() })
    expect(answer.status).toBe(503)
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: 'jwks_fetch_failed', reason: 'invalid_response' })
    expect(lines[0]).not.toContain('hunter2')
  })

  test('the insecure-host allowance applies to a discovered jwks_uri as to the issuer', async () => {
    issuer.discoveryExtra = { jwks_uri: 'http://keys.example.invalid/jwks.json' }
    const { app, lines } = loggedApi({ AUTH0_ALLOW_INSECURE_ISSUER: 'keys.example.invalid' })
    expect((await request(app, '/api/private', { token: await issuer.mint() })).status).toBe(503)
    // Allowed, so it was fetched: the name does not resolve, a network failure rather than a refusal.
    expect(JSON.parse(lines[0] as string)).toMatchObject({ reason: 'network' })
  })

  test('values from the issuer are bounded in logs (a 200 KB issuer in discovery)', async () => {
    issuer.discoveryIssuer = `https://elsewhere.example/${'x'.repeat(200_000)}`
    const { app, lines } = loggedApi()
    await request(app, '/api/private', { token: await issuer.mint() })
    expect(lines).toHaveLength(1)
    expect((lines[0] as string).length).toBeLessThan(2_000)
  })

  test('a token without kid over a key set of 50 keys is refused outright', async () => {
    // Copies of the real key under other kids: 51 candidates for a token without kid.
    const copies = Array.from({ length: 50 }, (_, i) => ({
      ...issuer.signingKey,
      publicJwk: { ...issuer.signingKey.publicJwk, kid: `copy-${i}` },
    }))
    issuer.keys = [...copies, issuer.signingKey]
    const { app } = createTestApi(issuer)
    const answer = await request(app, '/api/private', { token: await issuer.mint({}, { header: { kid: null } }) })
    expect(answer.status).toBe(401)
    expect(answer.challenge).toContain('error_description="The access token is signed with an unknown key"')
  })

  test('an unusable key listed first, even under the same kid, does not stop the real one', async () => {
    const weak = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )
    const weakJwk = { ...(await crypto.subtle.exportKey('jwk', weak.publicKey)), kid: issuer.signingKey.kid } as JWK
    issuer.keys = [{ ...issuer.signingKey, publicJwk: weakJwk }, issuer.signingKey]
    const { app } = createTestApi(issuer)
    expect((await request(app, '/api/private', { token: await issuer.mint() })).status).toBe(200)
    expect(
      (await request(app, '/api/private', { token: await issuer.mint({}, { header: { kid: null } }) })).status,
    ).toBe(200)
  })
})

describe('hostile claims', () => {
  test('claims are data: a claim named constructor cannot pick the response', async () => {
    const { app } = createTestApi(issuer)
    for (const impostor of [
      { name: 'ElysiaCustomStatusResponse' },
      { name: 'Response' },
      { name: 'ElysiaFile' },
      'Response',
      null,
    ]) {
      const claims = { constructor: impostor, code: 302, response: 'https://evil.example/', headers: { location: 'x' } }
      const answer = await request(app, '/api/private', { token: await issuer.mint(claims) })
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-type')).toContain('application/json')
      expect(answer.body).toMatchObject({ constructor: impostor, code: 302 })
    }
  })

  test('exp 1e309 (Infinity) is refused, and so is an aud array with a non-string member', async () => {
    const { app } = createTestApi(issuer)
    const { signingKey } = issuer
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: signingKey.kid, typ: 'JWT' })).toString('base64url')
    const payload = Buffer.from(`{"iss":"${issuer.issuer}","aud":"${audience}","exp":1e309}`).toString('base64url')
    const signature = await crypto.subtle.sign(
      'RSASSA-PKCS1-v1_5',
      signingKey.privateKey,
      new TextEncoder().encode(`${header}.${payload}`),
    )
    const never = `${header}.${payload}.${Buffer.from(signature).toString('base64url')}`
    for (const token of [never, await issuer.mint({ aud: [audience, 7] })]) {
      const answer = await request(app, '/api/private', { token })
      expect(answer.status).toBe(401)
      expect(answer.challenge).toContain('error_description="The access token has a claim with an invalid value"')
    }
  })
})

describe('ECDSA signatures', () => {
  test('both spellings (r, s) and (r, n - s) of an ES256 signature are the same valid token', async () => {
    const es = await startIssuerStub({ audience, alg: 'ES256' })
    try {
      const { app } = createTestApi(es, { env: { AUTH0_ALGORITHMS: 'ES256' } })
      const token = await es.mint()
      const [h, p, s] = token.split('.') as [string, string, string]
      const signature = Buffer.from(s, 'base64url')
      const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
      const other = (n - BigInt(`0x${signature.subarray(32).toString('hex')}`)).toString(16).padStart(64, '0')
      const twin = `${h}.${p}.${Buffer.concat([signature.subarray(0, 32), Buffer.from(other, 'hex')]).toString('base64url')}`
      expect((await request(app, '/api/private', { token })).status).toBe(200)
      expect((await request(app, '/api/private', { token: twin })).status).toBe(200)
    } finally {
      await es.close()
    }
  })
})

describe('authentication comes before the body (POST /api/messages, a JSON body schema)', () => {
  const post = (body: string, token?: string, contentType = 'application/json') =>
    new Request('http://localhost/api/messages', {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body,
    })

  test('no token, bad token: 401 with the challenge, whatever the body; the body is never read', async () => {
    const { app } = createTestApi(issuer)
    for (const body of ['{not json', '{"text":""}', '{"text":"hi"}']) {
      const anonymous = post(body)
      const answer = await app.handle(anonymous)
      expect(answer.status).toBe(401)
      expect(answer.headers.get('www-authenticate')).toBe(challengeOf())
      expect(anonymous.bodyUsed).toBe(false)
      const forged = post(body, 'a.b.c')
      expect((await app.handle(forged)).status).toBe(401)
      expect(forged.bodyUsed).toBe(false)
    }
  })

  test('a valid token: a bad body is 400, a good one 201; without the scope, 403 before the body', async () => {
    const { app } = createTestApi(issuer)
    const writer = await issuer.mint({ scope: 'write:messages', sub: 'writer-1' })
    expect(
      (
        await request(app, '/api/messages', {
          method: 'POST',
          token: writer,
          body: '{not json',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400)
    expect((await app.handle(post('{"text":""}', writer))).status).toBe(400)
    const created = await request(app, '/api/messages', {
      method: 'POST',
      token: writer,
      body: '{"text":"hi"}',
      headers: { 'content-type': 'application/json' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({ text: 'hi', author: 'writer-1' })
    const reader = post('{not json', await issuer.mint({ scope: 'read:messages' }))
    expect((await app.handle(reader)).status).toBe(403)
    expect(reader.bodyUsed).toBe(false)
  })

  test('a token sent only in a form body is no credential: 401 with the bare challenge', async () => {
    const { app } = createTestApi(issuer)
    const form = post(
      `access_token=${await issuer.mint({ scope: 'write:messages' })}`,
      undefined,
      'application/x-www-form-urlencoded',
    )
    const answer = await app.handle(form)
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe(challengeOf())
  })
})

describe('our own faults', () => {
  test('an unexpected error while authenticating is a logged 500: no 401, no token, no message, no stack', async () => {
    const lines: string[] = []
    const app = createApp(
      stubAppDependencies({
        authenticator: {
          schemes: ['bearer'],
          respond: (error) => toAuthErrorResponse(error),
          authenticate: async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'kid')")
          },
        },
        logger: createJsonLogger((line) => lines.push(line)),
      }),
    )
    const key: TestKey = await generateTestKey('RS256')
    const token = await signToken(key, { iss: 'x', aud: audience, exp: Math.floor(Date.now() / 1000) + 60 })
    const answer = await request(app, '/api/private', { token })
    expect(answer.status).toBe(500)
    expect(answer.challenge).toBeNull()
    expect(answer.body).toEqual({ error: 'server_error', error_description: 'Internal server error' })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'error',
      event: 'unhandled_error',
      name: 'TypeError',
    })
    for (const part of token.split('.')) expect(lines[0]).not.toContain(part)
    expect(answer.text).not.toContain('kid')
  })
})
