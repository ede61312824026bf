import { describe, expect, test } from 'bun:test'
import { ConfigError, describeIssuer, loadAuthConfig } from '../src/index.ts'

const base = { AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_API_AUDIENCE: 'https://api.example.com' }

function messageOf(env: Record<string, string>): string {
  try {
    loadAuthConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  return 'no error'
}

describe('loadAuthConfig', () => {
  test('AUTH0_DOMAIN gives Auth0 issuer and JWKS URI, with defaults', () => {
    const { config, warnings } = loadAuthConfig(base)
    expect(config).toEqual({
      keySource: {
        issuer: 'https://tenant.us.auth0.com/',
        jwksUri: 'https://tenant.us.auth0.com/.well-known/jwks.json',
      },
      transport: { insecureHosts: [] },
      audience: 'https://api.example.com',
      algorithms: ['RS256'],
      clockToleranceSeconds: 5,
      strictProfile: false,
      maxTokenAgeSeconds: undefined,
      jwks: { timeoutMs: 5000, cooldownMs: 30_000, staleIfErrorMs: 3_600_000 },
      tokenCache: { maxEntries: 1000, maxAgeSeconds: 60 },
      dpop: {
        mode: 'allowed',
        algorithms: [
          'ES256',
          'ES384',
          'ES512',
          'PS256',
          'PS384',
          'PS512',
          'RS256',
          'RS384',
          'RS512',
          'EdDSA',
          'Ed25519',
        ],
        iatOffsetSeconds: 300,
        iatLeewaySeconds: 30,
        nonceSecret: undefined,
        replayStore: { kind: 'memory', maxEntries: 100_000 },
      },
      resource: { publicOrigin: undefined, trustProxy: false, identifier: 'https://api.example.com' },
    })
    expect(warnings).toEqual([])
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.jwks)).toBe(true)
  })

  test('accepts the domain pasted with https:// and a trailing slash', () => {
    const { config } = loadAuthConfig({ ...base, AUTH0_DOMAIN: 'https://Tenant.eu.auth0.com/' })
    expect(config.keySource).toMatchObject({ issuer: 'https://tenant.eu.auth0.com/' })
    expect(describeIssuer(config)).toBe('https://tenant.eu.auth0.com/')
  })

  test('with nothing set, names AUTH0_DOMAIN and AUTH0_API_AUDIENCE on one line, with examples', () => {
    const message = messageOf({})
    expect(message).toBe(
      'Invalid configuration: AUTH0_DOMAIN is required (or AUTH0_ISSUER_BASE_URL for any OpenID issuer) (e.g. AUTH0_DOMAIN=your-tenant.us.auth0.com); AUTH0_API_AUDIENCE is required (e.g. AUTH0_API_AUDIENCE=https://api.example.com)',
    )
    expect(message).not.toContain('\n')
  })

  test('blank values count as missing', () => {
    expect(messageOf({ AUTH0_DOMAIN: '  ', AUTH0_API_AUDIENCE: '' })).toContain('AUTH0_DOMAIN is required')
  })

  test('reports every malformed value at once', () => {
    const message = messageOf({
      AUTH0_DOMAIN: 'not a domain/x',
      AUTH0_API_AUDIENCE: 'https://api',
      AUTH0_ALGORITHMS: 'RS256,HS256',
      AUTH0_CLOCK_TOLERANCE: '-3',
      AUTH0_JWKS_TIMEOUT_MS: 'soon',
      AUTH0_STRICT_RFC9068: 'maybe',
    })
    expect(message).toBe(
      'Invalid configuration: AUTH0_DOMAIN must be a host name without path (e.g. AUTH0_DOMAIN=your-tenant.us.auth0.com); ' +
        'AUTH0_ALGORITHMS must list asymmetric algorithms among RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA (e.g. AUTH0_ALGORITHMS=RS256,PS256); ' +
        'AUTH0_CLOCK_TOLERANCE must be a whole number from 0 to 300 (e.g. AUTH0_CLOCK_TOLERANCE=5); ' +
        'AUTH0_STRICT_RFC9068 must be true or false (e.g. AUTH0_STRICT_RFC9068=true); ' +
        'AUTH0_JWKS_TIMEOUT_MS must be a whole number from 100 to 60000 (e.g. AUTH0_JWKS_TIMEOUT_MS=5000)',
    )
  })

  test('AUTH0_ISSUER_BASE_URL uses discovery and keeps the URL as written', () => {
    const { config } = loadAuthConfig({
      AUTH0_ISSUER_BASE_URL: 'https://id.example.com/realms/x/',
      AUTH0_API_AUDIENCE: 'a',
    })
    expect(config.keySource).toEqual({ discoveryBaseUrl: 'https://id.example.com/realms/x' })
    expect(describeIssuer(config)).toBe('https://id.example.com/realms/x')
  })

  test('plain http is accepted for loopback hosts only, unless opted in with a warning', () => {
    for (const url of ['http://localhost:9000', 'http://127.0.0.1:9000', 'http://[::1]:9000']) {
      expect(loadAuthConfig({ AUTH0_ISSUER_BASE_URL: url, AUTH0_API_AUDIENCE: 'a' }).warnings).toEqual([])
    }
    expect(messageOf({ AUTH0_ISSUER_BASE_URL: 'http://issuer:9000', AUTH0_API_AUDIENCE: 'a' })).toContain(
      'AUTH0_ISSUER_BASE_URL must use https unless the host is loopback or AUTH0_ALLOW_INSECURE_ISSUER names it (issuer:9000)',
    )
    // Naming a host allows that host only.
    const named = { AUTH0_ISSUER_BASE_URL: 'http://issuer:9000', AUTH0_API_AUDIENCE: 'a' }
    // The same policy goes to the key set, so that a discovered jwks_uri is held to it too.
    expect(loadAuthConfig({ ...named, AUTH0_ALLOW_INSECURE_ISSUER: 'issuer:9000' }).config.transport).toEqual({
      insecureHosts: ['issuer:9000'],
    })
    expect(loadAuthConfig({ ...named, AUTH0_ALLOW_INSECURE_ISSUER: 'other, issuer' }).config.keySource).toEqual({
      discoveryBaseUrl: 'http://issuer:9000',
    })
    expect(messageOf({ ...named, AUTH0_ALLOW_INSECURE_ISSUER: 'issuer:9001' })).toContain('must use https')
    expect(messageOf({ ...named, AUTH0_ALLOW_INSECURE_ISSUER: 'false' })).toContain('must use https')
    const { warnings } = loadAuthConfig({
      AUTH0_ISSUER_BASE_URL: 'http://issuer:9000',
      AUTH0_ALLOW_INSECURE_ISSUER: 'true',
      AUTH0_API_AUDIENCE: 'a',
    })
    expect(warnings).toEqual([
      'AUTH0_ISSUER_BASE_URL uses plain http to issuer:9000: keys and tokens can be tampered with in transit; development only',
    ])
  })

  test('refuses non-URLs and URLs with a query or credentials', () => {
    expect(messageOf({ AUTH0_ISSUER_BASE_URL: 'issuer', AUTH0_API_AUDIENCE: 'a' })).toContain('must be an absolute URL')
    expect(messageOf({ AUTH0_ISSUER_BASE_URL: 'https://u:p@x.example', AUTH0_API_AUDIENCE: 'a' })).toContain(
      'must not have a fragment or credentials',
    )
    expect(messageOf({ AUTH0_ISSUER_BASE_URL: 'https://x.example/?a=1', AUTH0_API_AUDIENCE: 'a' })).toContain(
      'must not have a query',
    )
    expect(messageOf({ AUTH0_ISSUER_BASE_URL: 'ftp://x.example', AUTH0_API_AUDIENCE: 'a' })).toContain('http(s)')
  })

  test('AUTH0_DOMAIN wins over AUTH0_ISSUER_BASE_URL, with a warning', () => {
    const { config, warnings } = loadAuthConfig({ ...base, AUTH0_ISSUER_BASE_URL: 'http://localhost:9000' })
    expect(config.keySource).toHaveProperty('jwksUri')
    expect(warnings).toEqual(['AUTH0_DOMAIN is set, so AUTH0_ISSUER_BASE_URL is ignored'])
  })

  test('optional settings', () => {
    const { config } = loadAuthConfig({
      ...base,
      AUTH0_ALGORITHMS: 'RS256, PS256,ES256,EdDSA,RS256',
      AUTH0_CLOCK_TOLERANCE: '0',
      AUTH0_STRICT_RFC9068: 'true',
      AUTH0_MAX_TOKEN_AGE: '86400',
      AUTH0_JWKS_TIMEOUT_MS: '2000',
      AUTH0_JWKS_COOLDOWN_SECONDS: '10',
      AUTH0_JWKS_STALE_IF_ERROR_SECONDS: '0',
      AUTH0_TOKEN_CACHE_SIZE: '0',
      AUTH0_TOKEN_CACHE_MAX_SECONDS: '300',
    })
    expect(config).toMatchObject({
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockToleranceSeconds: 0,
      strictProfile: true,
      maxTokenAgeSeconds: 86400,
      jwks: { timeoutMs: 2000, cooldownMs: 10_000, staleIfErrorMs: 0 },
      tokenCache: { maxEntries: 0, maxAgeSeconds: 300 },
    })
  })

  test('the token cache settings are bounded: no negative size, and entries live between 1 s and 1 h', () => {
    expect(messageOf({ ...base, AUTH0_TOKEN_CACHE_SIZE: '-1', AUTH0_TOKEN_CACHE_MAX_SECONDS: '0' })).toBe(
      'Invalid configuration: AUTH0_TOKEN_CACHE_SIZE must be a whole number from 0 to 100000 (e.g. AUTH0_TOKEN_CACHE_SIZE=1000); ' +
        'AUTH0_TOKEN_CACHE_MAX_SECONDS must be a whole number from 1 to 3600 (e.g. AUTH0_TOKEN_CACHE_MAX_SECONDS=60)',
    )
    expect(messageOf({ ...base, AUTH0_TOKEN_CACHE_SIZE: 'lots', AUTH0_TOKEN_CACHE_MAX_SECONDS: '3601' })).toContain(
      'AUTH0_TOKEN_CACHE_MAX_SECONDS must be a whole number from 1 to 3600',
    )
  })
})

describe('placeholders', () => {
  test('the values of .env.example and of tutorials are refused with one line naming what to edit', () => {
    expect(messageOf({ AUTH0_DOMAIN: 'your-tenant.us.auth0.com', AUTH0_API_AUDIENCE: 'https://api.example.com' })).toBe(
      'Invalid configuration: AUTH0_DOMAIN is still a placeholder (your-tenant.us.auth0.com): edit it in .env or the environment (e.g. AUTH0_DOMAIN=dev-abc123.us.auth0.com)',
    )
    for (const [variable, value] of [
      ['AUTH0_DOMAIN', '{yourDomain}'],
      ['AUTH0_DOMAIN', 'YOUR_DOMAIN'],
      ['AUTH0_ISSUER_BASE_URL', 'https://your-issuer.example.com'],
      ['AUTH0_API_AUDIENCE', 'https://your-api-identifier'],
      ['AUTH0_API_AUDIENCE', '{yourApiIdentifier}'],
      ['AUTH0_API_AUDIENCE', '<your api>'],
    ] as const) {
      const env = { ...base, [variable]: value }
      if (variable === 'AUTH0_ISSUER_BASE_URL') delete (env as Record<string, string>).AUTH0_DOMAIN
      const message = messageOf(env)
      expect(message).toContain(`${variable} is still a placeholder`)
      expect(message.split(';')).toHaveLength(1)
    }
  })

  test('.env.example as shipped sets nothing, so copying it changes nothing', async () => {
    const { parseEnvFile } = await import('../src/index.ts')
    const example = await Bun.file(new URL('../../../.env.example', import.meta.url)).text()
    expect(parseEnvFile(example)).toEqual({})
  })

  test('each placeholder in .env.example, once uncommented, is refused', async () => {
    const { parseEnvFile } = await import('../src/index.ts')
    const example = await Bun.file(new URL('../../../.env.example', import.meta.url)).text()
    const uncommented = parseEnvFile(example.replace(/^# (AUTH0_(?:DOMAIN|ISSUER_BASE_URL|API_AUDIENCE)=)/gm, '$1'))
    expect(Object.keys(uncommented).sort()).toEqual(['AUTH0_API_AUDIENCE', 'AUTH0_DOMAIN', 'AUTH0_ISSUER_BASE_URL'])
    const message = messageOf(uncommented)
    expect(message).toContain('AUTH0_DOMAIN is still a placeholder')
    expect(message).toContain('AUTH0_API_AUDIENCE is still a placeholder')
  })
})

describe('loadAuthConfig: DPoP (RFC 9449)', () => {
  const secret = 'a shared secret of at least thirty-two bytes'

  test('reads the mode, algorithms, window, nonces and the Redis replay store', () => {
    const { config, warnings } = loadAuthConfig({
      ...base,
      AUTH0_DPOP_MODE: 'Required',
      AUTH0_DPOP_ALGORITHMS: 'ES256, EdDSA,ES256',
      AUTH0_DPOP_IAT_OFFSET: '60',
      AUTH0_DPOP_IAT_LEEWAY: '0',
      AUTH0_DPOP_NONCE: 'true',
      AUTH0_DPOP_NONCE_SECRET: secret,
      REDIS_URL: 'redis://:password@redis:6379/0',
    })
    expect(config.dpop).toEqual({
      mode: 'required',
      algorithms: ['ES256', 'EdDSA'],
      iatOffsetSeconds: 60,
      iatLeewaySeconds: 0,
      nonceSecret: secret,
      replayStore: { kind: 'redis', url: 'redis://:password@redis:6379/0' },
    })
    expect(warnings).toEqual([])
  })

  test('reports every bad DPoP value on one line, never echoing a secret or a Redis URL', () => {
    const message = messageOf({
      ...base,
      AUTH0_DPOP_MODE: 'sometimes',
      AUTH0_DPOP_ALGORITHMS: 'ES256,HS256',
      AUTH0_DPOP_IAT_OFFSET: '0',
      AUTH0_DPOP_IAT_LEEWAY: '301',
      AUTH0_DPOP_NONCE: 'true',
      AUTH0_DPOP_NONCE_SECRET: 'short-secret-value',
      REDIS_URL: 'http://user:hunter2@redis:6379',
    })
    expect(message).toBe(
      'Invalid configuration: AUTH0_DPOP_MODE must be allowed, required or disabled (e.g. AUTH0_DPOP_MODE=required); ' +
        'AUTH0_DPOP_ALGORITHMS must list asymmetric algorithms among ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA, Ed25519 (e.g. AUTH0_DPOP_ALGORITHMS=ES256,EdDSA); ' +
        'AUTH0_DPOP_IAT_OFFSET must be a whole number from 1 to 3600 (e.g. AUTH0_DPOP_IAT_OFFSET=300); ' +
        'AUTH0_DPOP_IAT_LEEWAY must be a whole number from 0 to 300 (e.g. AUTH0_DPOP_IAT_LEEWAY=30); ' +
        'AUTH0_DPOP_NONCE_SECRET must be at least 32 bytes (e.g. AUTH0_DPOP_NONCE_SECRET=$(openssl rand -base64 48)); ' +
        'REDIS_URL must be a URL with one of the schemes redis: rediss: valkey: valkeys: redis+tls: redis+unix: redis+tls+unix: (e.g. REDIS_URL=redis://redis:6379)',
    )
    expect(message).not.toContain('hunter2')
    expect(message).not.toContain('short-secret-value')
    expect(message).not.toContain('\n')
  })

  test('nonces need a secret; a secret without nonces, or nonces while disabled, is a warning', () => {
    expect(messageOf({ ...base, AUTH0_DPOP_NONCE: 'true' })).toContain(
      'AUTH0_DPOP_NONCE_SECRET is required when AUTH0_DPOP_NONCE=true',
    )
    expect(loadAuthConfig({ ...base, AUTH0_DPOP_NONCE_SECRET: secret }).warnings).toEqual([
      'AUTH0_DPOP_NONCE_SECRET is set but AUTH0_DPOP_NONCE is not true: ignored',
    ])
    const disabled = loadAuthConfig({
      ...base,
      AUTH0_DPOP_MODE: 'disabled',
      AUTH0_DPOP_NONCE: 'true',
      AUTH0_DPOP_NONCE_SECRET: secret,
      REDIS_URL: 'redis://redis:6379',
    })
    expect(disabled.config.dpop.nonceSecret).toBeUndefined()
    expect(disabled.warnings).toEqual([
      'AUTH0_DPOP_NONCE is ignored: AUTH0_DPOP_MODE is disabled',
      'REDIS_URL is not used: AUTH0_DPOP_MODE is disabled',
    ])
  })

  test('the in-process replay store’s size is configurable within bounds', () => {
    expect(loadAuthConfig({ ...base, AUTH0_DPOP_REPLAY_CACHE_SIZE: '5000' }).config.dpop.replayStore).toEqual({
      kind: 'memory',
      maxEntries: 5000,
    })
    expect(messageOf({ ...base, AUTH0_DPOP_REPLAY_CACHE_SIZE: '10' })).toContain('AUTH0_DPOP_REPLAY_CACHE_SIZE')
  })
})

describe('loadAuthConfig: the public origin and the resource identifier (RFC 9728)', () => {
  test('the audience is the identifier when it is an https URL on the public origin (or none is set)', () => {
    const resource = (env: Record<string, string>) => loadAuthConfig({ ...base, ...env }).config.resource
    expect(resource({})).toEqual({ publicOrigin: undefined, trustProxy: false, identifier: 'https://api.example.com' })
    expect(
      resource({ AUTH0_API_AUDIENCE: 'https://api.example.com/v1', PUBLIC_ORIGIN: 'https://API.example.com/' }),
    ).toEqual({
      publicOrigin: 'https://api.example.com',
      trustProxy: false,
      identifier: 'https://api.example.com/v1',
    })
    expect(
      resource({ AUTH0_API_AUDIENCE: 'https://my-api', PUBLIC_ORIGIN: 'https://api.example.com' }).identifier,
    ).toBe('https://api.example.com')
    expect(resource({ AUTH0_API_AUDIENCE: 'my-api' }).identifier).toBeUndefined()
    expect(resource({ AUTH0_API_AUDIENCE: 'http://api.example.com' }).identifier).toBeUndefined()
    expect(resource({ AUTH0_TRUST_PROXY: 'true' })).toMatchObject({ trustProxy: true })
  })

  test('PUBLIC_ORIGIN must be an origin; plain http is a warning off loopback; TRUST_PROXY with it is ignored', () => {
    expect(messageOf({ ...base, PUBLIC_ORIGIN: 'https://api.example.com/api' })).toBe(
      'Invalid configuration: PUBLIC_ORIGIN must be an origin only: scheme, host and port (e.g. PUBLIC_ORIGIN=https://api.example.com)',
    )
    expect(messageOf({ ...base, PUBLIC_ORIGIN: 'api.example.com' })).toContain('PUBLIC_ORIGIN must be an absolute URL')
    expect(messageOf({ ...base, PUBLIC_ORIGIN: 'ftp://api.example.com' })).toContain(
      'PUBLIC_ORIGIN must be an http(s) URL',
    )
    const loaded = loadAuthConfig({ ...base, PUBLIC_ORIGIN: 'http://api.example.com', AUTH0_TRUST_PROXY: 'true' })
    expect(loaded.config.resource.trustProxy).toBe(false)
    expect(loaded.warnings).toEqual([
      "PUBLIC_ORIGIN uses plain http (api.example.com): clients' tokens cross the network in clear",
      'AUTH0_TRUST_PROXY is ignored: PUBLIC_ORIGIN fixes the origin',
    ])
    expect(loadAuthConfig({ ...base, PUBLIC_ORIGIN: 'http://localhost:8000' }).warnings).toEqual([])
  })
})
