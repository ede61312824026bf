import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import type { RunningIssuer } from '../src/server.ts'
import { audience, localClient, requestToken, startTestIssuer } from './helpers.ts'

// RFC 9449 sender-constrained tokens for client_credentials.
let issuer: RunningIssuer
let key: { privateKey: CryptoKey; publicJwk: JWK }

beforeAll(async () => {
  issuer = await startTestIssuer()
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  key = { privateKey, publicJwk: await exportJWK(publicKey) }
})
afterAll(() => issuer.close())

function proof(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000)
  return new SignJWT({ htm: 'POST', htu: `${issuer.url}/oauth/token`, iat, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...header })
    .sign(key.privateKey)
}

describe('DPoP-bound access tokens', () => {
  test('discovery publishes the proof algorithms', async () => {
    const doc = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >
    expect(doc.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'PS256', 'RS256', 'EdDSA']))
  })

  test('a valid proof (form or JSON): token_type DPoP and cnf.jkt = the proof key’s thumbprint', async () => {
    for (const json of [false, true]) {
      const { status, body } = await requestToken(
        issuer,
        { ...localClient, audience },
        { json, headers: { dpop: await proof() } },
      )
      expect(status).toBe(200)
      expect(body.token_type).toBe('DPoP')
      const jwks = createRemoteJWKSet(new URL(`${issuer.url}/.well-known/jwks.json`))
      const { payload } = await jwtVerify(String(body.access_token), jwks, { issuer: issuer.issuer, audience })
      expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk) })
      expect(payload.scope).toBe('read:messages write:messages')
    }
  })

  test('no proof: a Bearer token without cnf', async () => {
    const { body } = await requestToken(issuer, { ...localClient, audience })
    expect(body.token_type).toBe('Bearer')
    const jwks = createRemoteJWKSet(new URL(`${issuer.url}/.well-known/jwks.json`))
    const { payload } = await jwtVerify(String(body.access_token), jwks, { issuer: issuer.issuer, audience })
    expect(payload.cnf).toBeUndefined()
  })

  test('bad proofs: 400 invalid_dpop_proof', async () => {
    const { privateKey: otherKey } = await generateKeyPair('ES256')
    const bad = [
      'not-a-jwt',
      await proof({ htu: 'https://elsewhere.test/oauth/token' }),
      await proof({ htm: 'GET' }),
      await proof({}, { typ: 'JWT' }),
      await new SignJWT({ htm: 'POST', htu: `${issuer.url}/oauth/token`, jti: 'x' })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk })
        .setIssuedAt()
        .sign(otherKey),
    ]
    for (const dpop of bad) {
      const { status, body } = await requestToken(issuer, { ...localClient, audience }, { headers: { dpop } })
      expect(status).toBe(400)
      expect(body.error).toBe('invalid_dpop_proof')
      expect(body.access_token).toBeUndefined()
    }
  })

  test('a proof used twice is refused the second time', async () => {
    const dpop = await proof()
    expect((await requestToken(issuer, { ...localClient, audience }, { headers: { dpop } })).status).toBe(200)
    const replayed = await requestToken(issuer, { ...localClient, audience }, { headers: { dpop } })
    expect(replayed.status).toBe(400)
    expect(replayed.body.access_token).toBeUndefined()
  })

  test('a proof too old: use_dpop_nonce with a nonce, and a proof carrying it is accepted', async () => {
    const stale = await proof({ iat: Math.floor(Date.now() / 1000) - 3600 })
    const first = await requestToken(issuer, { ...localClient, audience }, { headers: { dpop: stale } })
    expect(first.status).toBe(400)
    expect(first.body.error).toBe('use_dpop_nonce')
    const nonce = first.headers.get('dpop-nonce')
    expect(nonce).toBeString()
    const retry = await requestToken(
      issuer,
      { ...localClient, audience },
      { headers: { dpop: await proof({ nonce, iat: Math.floor(Date.now() / 1000) - 3600 }) } },
    )
    expect(retry.status).toBe(200)
    expect(retry.body.token_type).toBe('DPoP')
  })
})
