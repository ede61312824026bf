import { describe, expect, test } from 'bun:test'
import { validate } from '@readme/openapi-parser'
import { createApp } from '../src/app.ts'
import { silentLogger } from '../src/logger.ts'
import { addAudience } from '../src/routes/docs-page.ts'
import { createTokenEndpoint } from '../src/token-endpoint.ts'
import { audience, request, useTestApi } from './helpers.ts'

const ctx = useTestApi()

interface Doc {
  openapi: string
  components: { securitySchemes: Record<string, unknown> }
  paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>
}

const documentOf = async (app: { handle(request: Request): Promise<Response> }) => {
  const { status, body } = await request(app, '/openapi.json')
  expect(status).toBe(200)
  return body as Doc
}

const expectValid = async (doc: Doc) => {
  const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0])
  expect(result).toMatchObject({ valid: true, warnings: [] })
}

/** The app as index.ts builds it: /docs knows the issuer's token endpoint (through discovery) and the audience. */
function appWithDocsOAuth() {
  const tokenEndpoint = createTokenEndpoint({
    source: { discoveryBaseUrl: ctx.issuer.baseUrl },
    transport: { insecureHosts: [] },
    timeoutMs: 1_000,
    retryAfterMs: 60_000,
    logger: silentLogger,
  })
  return createApp({ ...ctx.api.runtime, logger: silentLogger, docs: { audience, tokenEndpoint } })
}

describe('OpenAPI', () => {
  test('/openapi.json declares the bearer and DPoP schemes and requires one of them on the protected routes only', async () => {
    const doc = await documentOf(ctx.api.app)
    expect(doc.openapi).toStartWith('3.')
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    // RFC 9449 §7.1 registers DPoP as an HTTP authentication scheme; OpenAPI lists alternatives as separate objects.
    expect(doc.components.securitySchemes.dpopAuth).toMatchObject({ type: 'http', scheme: 'DPoP' })
    expect(doc.paths['/api/private']?.get?.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }])
    expect(doc.paths['/api/private-scoped']?.get?.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }])
    expect(doc.paths['/api/public']?.get?.security).toBeUndefined()
    expect(Object.keys(doc.paths['/api/private-scoped']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '403']),
    )
    expect(Object.keys(doc.paths)).not.toContain('/docs/assets/swagger-ui-bundle.js')
    expect(Object.keys(doc.paths)).not.toContain('/docs')
    // Without the issuer's token endpoint, no OAuth flow, and no requirement naming one.
    expect(doc.components.securitySchemes.oauth2).toBeUndefined()
  })

  test('/openapi.json is a valid OpenAPI document (the deprecated swagger plugin emitted invalid ones)', async () => {
    await expectValid(await documentOf(ctx.api.app))
  })

  test("the issuer's client-credentials flow: its token endpoint, and every scope a route asks for", async () => {
    const doc = await documentOf(appWithDocsOAuth())
    expect(doc.components.securitySchemes.oauth2).toEqual({
      type: 'oauth2',
      description: expect.any(String),
      flows: {
        clientCredentials: {
          tokenUrl: `${ctx.issuer.baseUrl}/oauth/token`,
          scopes: {
            'read:messages':
              'Needed by GET /api/private-scoped, GET /api/examples/scopes, GET /api/examples/permissions',
            'write:messages': 'Needed by POST /api/messages, GET /api/examples/scopes',
          },
        },
      },
    })
    // A pasted bearer token, a DPoP-bound one, or one from the flow with the scopes the route needs.
    expect(doc.paths['/api/private-scoped']?.get?.security).toEqual([
      { bearerAuth: [] },
      { dpopAuth: [] },
      { oauth2: ['read:messages'] },
    ])
    expect(doc.paths['/api/private']?.get?.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }, { oauth2: [] }])
    expect(doc.paths['/api/public']?.get?.security).toBeUndefined()
    await expectValid(doc)
    // The plugin's cached document is not changed: the app without the flow still has none.
    expect((await documentOf(ctx.api.app)).components.securitySchemes.oauth2).toBeUndefined()
  })

  test('the issuer down: no OAuth 2.0 flow, the other schemes only, and the document stays valid', async () => {
    ctx.issuer.mode = 'http_500'
    try {
      const doc = await documentOf(appWithDocsOAuth())
      expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth', 'dpopAuth'])
      expect(doc.paths['/api/private-scoped']?.get?.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }])
      await expectValid(doc)
    } finally {
      ctx.issuer.reset()
    }
  })
})

describe('/docs', () => {
  test('Swagger UI with its assets from this server (works offline)', async () => {
    const page = await request(ctx.api.app, '/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.text).toContain('SwaggerUIBundle(')
    expect(page.text).not.toContain('unpkg.com')
    expect(page.text).not.toContain('jsdelivr')
    expect(page.text).toContain('"url":"/openapi.json"') // absolute: /docs/ must work too
    expect((await request(ctx.api.app, '/docs/')).text).toContain('"url":"/openapi.json"')
    const bundle = await request(ctx.api.app, '/docs/assets/swagger-ui-bundle.js')
    expect(bundle.status).toBe(200)
    expect(bundle.text.length).toBeGreaterThan(100_000)
    expect((await request(ctx.api.app, '/docs/assets/swagger-ui.css')).status).toBe(200)
  })

  test('the page sets the request interceptor that adds the audience to token requests', async () => {
    const page = (await request(appWithDocsOAuth(), '/docs')).text
    expect(page).toContain(`"audience":"${audience}"`)
    expect(page).toContain('requestInterceptor:')
    expect(page).toContain('function addAudience(')
    expect((await request(ctx.api.app, '/docs')).text).toContain('"audience":null')
  })
})

describe('addAudience (Swagger UI request interceptor)', () => {
  const tokenRequest = () => ({ url: 'http://issuer/oauth/token', body: 'grant_type=client_credentials&scope=a+b' })

  test("adds the audience to Swagger UI's client_credentials token request body", () => {
    expect(addAudience(tokenRequest(), 'https://api.example.test/v1?x=1').body).toBe(
      'grant_type=client_credentials&scope=a+b&audience=https%3A%2F%2Fapi.example.test%2Fv1%3Fx%3D1',
    )
  })

  test('leaves alone every other request, a request that names its audience or resource, and no audience', () => {
    const calls = [
      { body: '{"text":"hello"}' },
      { body: 'grant_type=authorization_code&code=x' },
      { body: 'grant_type=client_credentials&audience=https%3A%2F%2Fother' },
      { body: 'grant_type=client_credentials&resource=https%3A%2F%2Fother' },
      { body: undefined },
    ]
    for (const call of calls) expect(addAudience({ ...call }, audience)).toEqual(call)
    expect(addAudience(tokenRequest(), undefined)).toEqual(tokenRequest())
  })
})
