import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { discoverIssuer, discoveryUrl } from '../src/jwks/discovery.ts'
import { IssuerFetchError } from '../src/jwks/fetch-issuer-json.ts'
import { HTTPS_ONLY, type TransportPolicy } from '../src/jwks/transport-policy.ts'
import { systemClock } from '../src/time/clock.ts'

let issuer: IssuerStub
beforeAll(async () => {
  issuer = await startIssuerStub()
})
afterAll(() => issuer.close())
afterEach(() => {
  issuer.discoveryExtra = {}
  issuer.discoveryIssuer = undefined
})

const discover = (transport: TransportPolicy = HTTPS_ONLY) =>
  discoverIssuer(issuer.baseUrl, { fetch, clock: systemClock, timeoutMs: 5_000, maxBytes: 512 * 1024, transport })

async function refusal(promise: Promise<unknown>): Promise<IssuerFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof IssuerFetchError)) throw new Error(`expected a refusal, got ${String(error)}`)
  return error
}

describe('discoverIssuer', () => {
  test('reads issuer and jwks_uri from the well-known location', async () => {
    expect(discoveryUrl('https://id.example/')).toBe('https://id.example/.well-known/openid-configuration')
    expect(await discover()).toEqual({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      tokenEndpoint: `${issuer.baseUrl}/oauth/token`,
    })
  })

  test('a token_endpoint that is missing, not a URL or not allowed by the transport rules is left out', async () => {
    for (const tokenEndpoint of [
      undefined,
      42,
      'not a url',
      'javascript:alert(1)',
      'http://id.example.invalid/token',
    ]) {
      issuer.discoveryExtra = { token_endpoint: tokenEndpoint }
      const metadata = await discover()
      expect(metadata).toEqual({ issuer: issuer.issuer, jwksUri: issuer.jwksUri })
    }
    issuer.discoveryExtra = { token_endpoint: 'https://id.example/oauth/token' }
    expect((await discover()).tokenEndpoint).toBe('https://id.example/oauth/token')
  })

  test('an issuer that differs from the configured base URL is refused; the logged value is bounded', async () => {
    issuer.discoveryIssuer = `https://elsewhere.example/${'x'.repeat(200_000)}`
    const error = await refusal(discover())
    expect(error.reason).toBe('issuer_mismatch')
    expect(error.message.length).toBeLessThan(1_000)
  })

  test('a jwks_uri over plain http to another host is refused, even for a loopback http issuer', async () => {
    issuer.discoveryExtra = { jwks_uri: 'http://keys.example.invalid/jwks.json' }
    const error = await refusal(discover())
    expect(error.reason).toBe('invalid_response')
    expect(error.message).toContain('(insecure)')
  })

  test('the insecure-host allowance of the configuration applies to the jwks_uri too', async () => {
    issuer.discoveryExtra = { jwks_uri: 'http://keys.example.invalid/jwks.json' }
    expect(await discover({ insecureHosts: ['keys.example.invalid'] })).toMatchObject({
      jwksUri: 'http://keys.example.invalid/jwks.json',
    })
  })

  test('https and loopback http jwks_uris are accepted', async () => {
    for (const jwksUri of ['https://keys.example/jwks.json', 'http://127.0.0.2:8080/jwks', 'http://localhost/jwks']) {
      issuer.discoveryExtra = { jwks_uri: jwksUri }
      expect((await discover()).jwksUri).toBe(jwksUri)
    }
  })

  test('a jwks_uri with credentials is refused, and the credentials never reach the message', async () => {
    issuer.discoveryExtra = { jwks_uri: 'https://user:hunter2@keys.example/jwks.json' }
    const error = await refusal(discover())
    expect(error.message).toContain('(credentials)')
    expect(error.message).not.toContain('hunter2')
    expect(error.message).not.toContain('user')
  })

  test('other schemes and malformed URLs are refused', async () => {
    for (const jwksUri of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'https://keys.example/#frag']) {
      issuer.discoveryExtra = { jwks_uri: jwksUri }
      expect((await refusal(discover())).reason).toBe('invalid_response')
    }
  })
})
