import { describe, expect, test } from 'bun:test'
import { DEFAULT_AUDIENCES, DEFAULT_CLIENTS, loadIssuerConfig } from '../src/issuer-config.ts'

describe('loadIssuerConfig', () => {
  test('documented defaults; blank means unset', () => {
    const config = loadIssuerConfig({})
    expect(config).toMatchObject({ issuer: undefined, port: 9000, host: '0.0.0.0', accessTokenTtlSeconds: 3600 })
    expect(config.clients).toEqual(DEFAULT_CLIENTS)
    expect(config.audiences).toEqual(DEFAULT_AUDIENCES)
    expect(loadIssuerConfig({ ISSUER_CLIENTS: '', ISSUER_URL: ' ', ISSUER_AUDIENCES: '' })).toEqual(config)
  })

  test('ISSUER_URL without its trailing slash; port 0 allowed', () => {
    expect(loadIssuerConfig({ ISSUER_URL: 'http://issuer:9000/', ISSUER_PORT: '0' })).toMatchObject({
      issuer: 'http://issuer:9000',
      port: 0,
    })
    expect(() => loadIssuerConfig({ ISSUER_URL: 'issuer:9000' })).toThrow('ISSUER_URL must be an absolute http(s) URL')
    expect(() => loadIssuerConfig({ ISSUER_PORT: '65536' })).toThrow('ISSUER_PORT must be a port number')
  })

  test('clients from ISSUER_CLIENTS', () => {
    const config = loadIssuerConfig({
      ISSUER_CLIENTS: '[{"client_id":"a","client_secret":"b","scope":"read:messages  x"}]',
    })
    expect(config.clients).toEqual([{ clientId: 'a', clientSecret: 'b', scopes: ['read:messages', 'x'] }])
    expect(() => loadIssuerConfig({ ISSUER_CLIENTS: 'nope' })).toThrow('ISSUER_CLIENTS must be JSON')
    expect(() => loadIssuerConfig({ ISSUER_CLIENTS: '[{"client_id":"a","client_secret":"b"}]' })).toThrow(
      'non-empty "scope"',
    )
  })

  test('audiences from ISSUER_AUDIENCES: absolute URIs, no fragment', () => {
    expect(
      loadIssuerConfig({ ISSUER_AUDIENCES: ' https://a.test , urn:example:api,https://a.test' }).audiences,
    ).toEqual(['https://a.test', 'urn:example:api'])
    for (const bad of ['api.local.test', 'https://a.test,', 'https://a.test#x']) {
      expect(() => loadIssuerConfig({ ISSUER_AUDIENCES: bad })).toThrow(
        'ISSUER_AUDIENCES must be comma-separated absolute URIs without a fragment',
      )
    }
  })

  test('ISSUER_ACCESS_TOKEN_TTL: whole seconds from 60 to 30 days, in one line naming the range', () => {
    expect(loadIssuerConfig({ ISSUER_ACCESS_TOKEN_TTL: '60' }).accessTokenTtlSeconds).toBe(60)
    expect(loadIssuerConfig({ ISSUER_ACCESS_TOKEN_TTL: '2592000' }).accessTokenTtlSeconds).toBe(2_592_000)
    for (const bad of ['59', '0', '-5', '1.5', '2592001', 'an hour', '1e400']) {
      expect(() => loadIssuerConfig({ ISSUER_ACCESS_TOKEN_TTL: bad })).toThrow(
        `ISSUER_ACCESS_TOKEN_TTL must be a whole number of seconds from 60 to 2592000 (e.g. ISSUER_ACCESS_TOKEN_TTL=3600), got "${bad}"`,
      )
    }
    expect(() => loadIssuerConfig({ ISSUER_ACCESS_TOKEN_TTL: '3\n0' })).toThrow('got "3\\n0"')
  })

  test('ISSUER_CORS_ORIGINS: * (the default) or exact origins', () => {
    expect(loadIssuerConfig({}).corsOrigins).toBe('*')
    expect(loadIssuerConfig({ ISSUER_CORS_ORIGINS: '*' }).corsOrigins).toBe('*')
    expect(
      loadIssuerConfig({ ISSUER_CORS_ORIGINS: 'http://localhost:8000, https://docs.example.test' }).corsOrigins,
    ).toEqual(['http://localhost:8000', 'https://docs.example.test'])
    for (const bad of ['localhost:8000', 'http://localhost:8000/', 'http://localhost:8000,', 'ftp://x.test']) {
      expect(() => loadIssuerConfig({ ISSUER_CORS_ORIGINS: bad })).toThrow(
        'ISSUER_CORS_ORIGINS must be * or comma-separated origins (e.g. ISSUER_CORS_ORIGINS=http://localhost:8000,http://127.0.0.1:8000), got',
      )
    }
  })
})
