import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { audience, closeTestApis, createTestApi } from './helpers.ts'

// RFC 9728 through HTTP: the document, where it is, what it says, and the challenges that lead to it. A client
// finds it as an MCP client does: from the `resource_metadata` of a 401 (RFC 9728 §5), and checks it (§3.3).

const WELL_KNOWN = '/.well-known/oauth-protected-resource'
let issuer: IssuerStub

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(async () => {
  closeTestApis()
  await issuer.close()
})

const get = async (
  app: { handle(request: Request): Promise<Response> },
  url: string,
  headers?: Record<string, string>,
) => {
  const response = await app.handle(new Request(url, { headers }))
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Metadata }
}

interface Metadata {
  resource: string
  authorization_servers: string[]
  scopes_supported: string[]
  bearer_methods_supported: string[]
  resource_name: string
  resource_documentation: string
  dpop_signing_alg_values_supported?: string[]
  dpop_bound_access_tokens_required: boolean
  [member: string]: unknown
}

/** The `resource_metadata` of every challenge of a 401; they must agree. */
function resourceMetadataOf(challenge: string | null): string {
  const urls = [...(challenge ?? '').matchAll(/resource_metadata="([^"]*)"/g)].map((match) => match[1])
  expect(urls.length).toBeGreaterThan(0)
  expect(new Set(urls).size).toBe(1)
  return String(urls[0])
}

/** RFC 9728 §2 and §3.2: member types, absolute URLs, nothing unknown to the RFC, no nulls. */
function expectValidDocument(document: Metadata, { https }: { https: boolean }) {
  const known = new Set([
    'resource',
    'authorization_servers',
    'scopes_supported',
    'bearer_methods_supported',
    'resource_name',
    'resource_documentation',
    'dpop_signing_alg_values_supported',
    'dpop_bound_access_tokens_required',
  ])
  for (const [member, value] of Object.entries(document)) {
    expect(known.has(member)).toBe(true)
    expect(value).not.toBeNull()
  }
  const urls = [document.resource, document.resource_documentation, ...document.authorization_servers]
  for (const url of urls) {
    const parsed = new URL(url)
    expect(parsed.hash).toBe('')
    if (https) expect(parsed.protocol).toBe('https:')
  }
  // RFC 9728 §1.2: the resource identifier has no query (SHOULD NOT) and no fragment (MUST NOT).
  expect(new URL(document.resource).search).toBe('')
  for (const list of [document.authorization_servers, document.scopes_supported, document.bearer_methods_supported]) {
    expect(Array.isArray(list) && list.every((item) => typeof item === 'string')).toBe(true)
  }
  expect(document.bearer_methods_supported).toEqual(['header'])
  expect(typeof document.resource_name).toBe('string')
  expect(typeof document.dpop_bound_access_tokens_required).toBe('boolean')
}

describe('GET /.well-known/oauth-protected-resource', () => {
  test('a client that only has the API URL: 401 → resource_metadata → a document naming that URL (§3.3, §5)', async () => {
    const { app } = createTestApi(issuer, { env: { PUBLIC_ORIGIN: 'https://api.example.test' } })
    const called = 'https://api.example.test/api/private'
    const refused = await get(app, called)
    expect(refused.status).toBe(401)
    const metadataUrl = resourceMetadataOf(refused.headers.get('www-authenticate'))
    expect(metadataUrl).toBe(`https://api.example.test${WELL_KNOWN}`)

    const answer = await get(app, metadataUrl)
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toStartWith('application/json')
    expect(answer.headers.get('cache-control')).toBe('public, max-age=3600')
    const document = answer.json()
    expectValidDocument(document, { https: false })
    // §3.3: the resource is the identifier the well-known URL was made from, and the URL the client called is in it.
    expect(document.resource).toBe(audience)
    expect(metadataUrl).toBe(`${new URL(document.resource).origin}${WELL_KNOWN}`)
    expect(called.startsWith(document.resource)).toBe(true)
    expect(document).toEqual({
      resource: 'https://api.example.test',
      authorization_servers: [issuer.issuer],
      scopes_supported: ['read:messages', 'write:messages'],
      bearer_methods_supported: ['header'],
      resource_name: 'Auth0-protected API',
      resource_documentation: 'https://api.example.test/docs',
      dpop_signing_alg_values_supported: [
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
      dpop_bound_access_tokens_required: false,
    })
  })

  test('production: an https Auth0 tenant and public origin give only absolute https URLs', async () => {
    const { app } = createTestApi(issuer, {
      env: { AUTH0_DOMAIN: 'tenant.example-auth0.test', PUBLIC_ORIGIN: 'https://api.example.test' },
    })
    const document = (await get(app, `https://api.example.test${WELL_KNOWN}`)).json()
    expectValidDocument(document, { https: true })
    expect(document.authorization_servers).toEqual(['https://tenant.example-auth0.test/'])
  })

  test('an identifier with a path: the document is at the path’s well-known URI too (§3.1), and challenges name it', async () => {
    const { app } = createTestApi(issuer, {
      env: { AUTH0_API_AUDIENCE: 'https://api.example.test/v1', PUBLIC_ORIGIN: 'https://api.example.test' },
    })
    const metadataUrl = resourceMetadataOf(
      (await get(app, 'https://api.example.test/api/private')).headers.get('www-authenticate'),
    )
    expect(metadataUrl).toBe(`https://api.example.test${WELL_KNOWN}/v1`)
    for (const url of [metadataUrl, `https://api.example.test${WELL_KNOWN}`]) {
      const answer = await get(app, url)
      expect(answer.status).toBe(200)
      expect(answer.json().resource).toBe('https://api.example.test/v1')
    }
  })

  test('required mode: DPoP-bound tokens required; disabled mode: no DPoP algorithms', async () => {
    const required = createTestApi(issuer, { env: { AUTH0_DPOP_MODE: 'required', AUTH0_DPOP_ALGORITHMS: 'ES256' } })
    expect((await get(required.app, `http://localhost${WELL_KNOWN}`)).json()).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
    })
    const disabled = createTestApi(issuer, { env: { AUTH0_DPOP_MODE: 'disabled' } })
    const document = (await get(disabled.app, `http://localhost${WELL_KNOWN}`)).json()
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported')
    expect(document.dpop_bound_access_tokens_required).toBe(false)
  })

  test('no configured origin and an audience that is not a URL: the origin the request was made to', async () => {
    const { app } = createTestApi(issuer, { env: { AUTH0_API_AUDIENCE: 'my-api' } })
    const document = (await get(app, `http://127.0.0.1:8000${WELL_KNOWN}`)).json()
    expect(document.resource).toBe('http://127.0.0.1:8000')
    expect(document.resource_documentation).toBe('http://127.0.0.1:8000/docs')
  })

  test('behind a trusted proxy: the forwarded origin, and caches told the answer varies with it', async () => {
    const { app } = createTestApi(issuer, { env: { AUTH0_API_AUDIENCE: 'my-api', AUTH0_TRUST_PROXY: 'true' } })
    const answer = await get(app, `http://10.0.0.7:8000${WELL_KNOWN}`, {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.test',
    })
    expect(answer.json().resource).toBe('https://api.example.test')
    expect(answer.headers.get('vary')).toBe('X-Forwarded-Proto, X-Forwarded-Host')
    const refused = await app.handle(
      new Request('http://10.0.0.7:8000/api/private', {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.test' },
      }),
    )
    expect(resourceMetadataOf(refused.headers.get('www-authenticate'))).toBe(`https://api.example.test${WELL_KNOWN}`)
  })

  test('the issuer not discovered yet and unreachable: 503 with Retry-After, never a made-up issuer', async () => {
    const down = await startIssuerStub({ audience })
    down.mode = 'http_500'
    const { app } = createTestApi(down)
    const answer = await get(app, `http://localhost${WELL_KNOWN}`)
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).not.toBeNull()
    await down.close()
  })
})

describe('challenges lead to the document', () => {
  test('every 401, and a 403 insufficient_scope with its scope (MCP step-up)', async () => {
    const { app } = createTestApi(issuer, { env: { PUBLIC_ORIGIN: 'https://api.example.test' } })
    const metadata = `resource_metadata="https://api.example.test${WELL_KNOWN}"`
    const headers = (token: string) => ({ authorization: `Bearer ${token}` })
    const answers = [
      await get(app, 'https://api.example.test/api/private'),
      await get(app, 'https://api.example.test/api/private', headers('a.b.c')),
      await get(app, 'https://api.example.test/api/private', { authorization: 'DPoP x' }),
    ]
    for (const answer of answers) {
      expect(answer.status === 400 || answer.status === 401).toBe(true)
      expect(answer.headers.get('www-authenticate')?.split(metadata)).toHaveLength(3)
    }
    const limited = await issuer.mint({ scope: 'write:messages' })
    const forbidden = await get(app, 'https://api.example.test/api/private-scoped', headers(limited))
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required scope", scope="read:messages", ${metadata}`,
    )
  })
})
