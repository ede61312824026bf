import { describe, expect, test } from 'bun:test'
import { validate } from '@readme/openapi-parser'
import { request, useTestApi } from './helpers.ts'

const ctx = useTestApi()

describe('OpenAPI', () => {
  test('/openapi.json declares the bearer and DPoP schemes and requires one of them on the protected routes only', async () => {
    const { status, body } = await request(ctx.api.app, '/openapi.json')
    expect(status).toBe(200)
    const doc = body as {
      openapi: string
      components: { securitySchemes: Record<string, unknown> }
      paths: Record<string, { get: { security?: unknown; responses: Record<string, unknown> } }>
    }
    expect(doc.openapi).toStartWith('3.')
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    // RFC 9449 §7.1 registers DPoP as an HTTP authentication scheme; OpenAPI lists alternatives as separate objects.
    expect(doc.components.securitySchemes.dpopAuth).toMatchObject({ type: 'http', scheme: 'DPoP' })
    expect(doc.paths['/api/private']?.get.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }])
    expect(doc.paths['/api/private-scoped']?.get.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }])
    expect(doc.paths['/api/public']?.get.security).toBeUndefined()
    expect(Object.keys(doc.paths['/api/private-scoped']?.get.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '403']),
    )
    expect(Object.keys(doc.paths)).not.toContain('/docs/assets/swagger-ui-bundle.js')
  })

  test('/openapi.json is a valid OpenAPI document (the deprecated swagger plugin emitted invalid ones)', async () => {
    const { body } = await request(ctx.api.app, '/openapi.json')
    const result = await validate(structuredClone(body) as Parameters<typeof validate>[0])
    expect(result).toMatchObject({ valid: true, warnings: [] })
  })

  test('/docs serves Swagger UI with its assets from this server (works offline)', async () => {
    const page = await request(ctx.api.app, '/docs')
    expect(page.status).toBe(200)
    expect(page.text).toContain('SwaggerUIBundle')
    expect(page.text).not.toContain('unpkg.com')
    expect(page.text).toContain('"url":"/openapi.json"') // absolute: /docs/ must work too
    expect((await request(ctx.api.app, '/docs/')).text).toContain('"url":"/openapi.json"')
    const bundle = await request(ctx.api.app, '/docs/assets/swagger-ui-bundle.js')
    expect(bundle.status).toBe(200)
    expect(bundle.text.length).toBeGreaterThan(100_000)
    expect((await request(ctx.api.app, '/docs/assets/swagger-ui.css')).status).toBe(200)
  })
})
