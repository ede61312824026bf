import { beforeAll, describe, expect, test } from 'bun:test'
import { generateDpopKey, generateTestKey, signDpopProof, signToken, type TestKey } from '@repo/testing'
import {
  type AccessRequirement,
  type AccessTokenPrincipal,
  type Authenticator,
  createAccessTokenVerifier,
  createAuthenticator,
  createLocalKeys,
  InsufficientScopeError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
  UseDpopNonceError,
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

describe('authenticate: DPoP after verify, on every request', () => {
  test('a verifier that caches principals cannot let a DPoP request skip its proof', async () => {
    const dpopKey = await generateDpopKey('ES256')
    const cache = new Map<string, AccessTokenPrincipal>()
    const inner = createAccessTokenVerifier({
      keys: createLocalKeys({ issuer, jwks: { keys: [key.publicJwk] } }),
      audience,
    })
    const caching = createAuthenticator({
      verifier: {
        async verify(token) {
          const hit = cache.get(token)
          if (hit !== undefined) return hit
          const principal = await inner.verify(token)
          cache.set(token, principal)
          return principal
        },
      },
    })
    const bound = await token({ cnf: { jkt: dpopKey.thumbprint } })
    const url = 'https://api.example.test/api/private'
    const send = (proof?: string) =>
      caching.authenticate(
        new Request(url, {
          headers: { authorization: `DPoP ${bound}`, ...(proof === undefined ? {} : { dpop: proof }) },
        }),
      )
    const proof = await signDpopProof(dpopKey, { htm: 'GET', htu: url, accessToken: bound })
    expect((await send(proof)).dpop).toEqual({ jkt: dpopKey.thumbprint })
    expect(cache.size).toBe(1)
    await expect(send()).rejects.toMatchObject({ code: 'invalid_request', reason: 'missing_dpop_proof' })
    await expect(send(proof)).rejects.toMatchObject({ code: 'invalid_dpop_proof', reason: 'replayed' })
    const other = await generateDpopKey('ES256')
    await expect(send(await signDpopProof(other, { htm: 'GET', htu: url, accessToken: bound }))).rejects.toMatchObject({
      code: 'invalid_token',
      reason: 'dpop_binding',
    })
    expect((await send(await signDpopProof(dpopKey, { htm: 'GET', htu: url, accessToken: bound }))).claims.cnf).toEqual(
      {
        jkt: dpopKey.thumbprint,
      },
    )
  })

  test('respond: the mode’s challenges, resource_metadata under the public origin', () => {
    const respond = createAuthenticator({
      verifier: { verify: async () => Promise.reject(new Error('not called')) },
      dpop: { mode: 'required', algorithms: ['ES256'] },
      publicOrigin: () => 'https://api.example.test',
      resourceMetadataPath: '/.well-known/oauth-protected-resource',
    })
    const answer = respond.respond(new MissingCredentialsError(), new Request('http://10.0.0.1/api/private'))
    expect(answer.headers['www-authenticate']).toBe(
      'DPoP algs="ES256", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"',
    )
    expect(respond.schemes).toEqual(['dpop'])
  })

  test('respond: a refusal of one kind is rendered once and shared, frozen; what differs per request is not', () => {
    const respond = createAuthenticator({
      verifier: { verify: async () => Promise.reject(new Error('not called')) },
      resourceMetadataPath: '/.well-known/oauth-protected-resource',
    }).respond
    const at = (url: string, authorization?: string) =>
      new Request(url, authorization === undefined ? {} : { headers: { authorization } })
    const first = respond(new InvalidTokenError('expired'), at('http://a.example/x', 'Bearer t'))
    expect(respond(new InvalidTokenError('expired'), at('http://a.example/y', 'Bearer u'))).toBe(first)
    expect(Object.isFrozen(first) && Object.isFrozen(first.headers) && Object.isFrozen(first.body)).toBe(true)
    // Another sentence, host or scheme is another answer.
    expect(respond(new InvalidTokenError('signature'), at('http://a.example/x', 'Bearer t')).body).not.toEqual(
      first.body,
    )
    expect(
      respond(new InvalidTokenError('expired'), at('http://b.example/x', 'Bearer t')).headers['www-authenticate'],
    ).toContain('resource_metadata="http://b.example/')
    expect(respond(new InvalidTokenError('expired'), at('http://a.example/x', 'DPoP t')).headers).not.toEqual(
      first.headers,
    )
    // A nonce, a scope or a retry time belongs to its own answer.
    const request = at('http://a.example/x', 'DPoP t')
    expect(respond(new UseDpopNonceError('missing', 'n1'), request).headers['dpop-nonce']).toBe('n1')
    expect(respond(new UseDpopNonceError('missing', 'n2'), request).headers['dpop-nonce']).toBe('n2')
    expect(respond(new InsufficientScopeError(['a']), request).headers['www-authenticate']).toContain('scope="a"')
    expect(respond(new InsufficientScopeError(['b']), request).headers['www-authenticate']).toContain('scope="b"')
    expect(respond(new IssuerUnavailableError('timeout', 3), request).headers['retry-after']).toBe('3')
    expect(respond(new IssuerUnavailableError('timeout', 9), request).headers['retry-after']).toBe('9')
  })

  test('refuses bad DPoP options when created', () => {
    const verifier = { verify: async () => Promise.reject(new Error('not called')) }
    expect(() => createAuthenticator({ verifier, dpop: { mode: 'sometimes' as 'allowed' } })).toThrow('"mode"')
    expect(() => createAuthenticator({ verifier, dpop: { algorithms: ['HS256' as 'ES256'] } })).toThrow('"algorithms"')
    expect(() => createAuthenticator({ verifier, dpop: { algorithms: [] } })).toThrow('"algorithms"')
    expect(() => createAuthenticator({ verifier, dpop: { iatOffsetSeconds: -1 } })).toThrow('"iatOffsetSeconds"')
    expect(() => createAuthenticator({ verifier, dpop: { iatLeewaySeconds: 1.5 } })).toThrow('"iatLeewaySeconds"')
  })
})
