import { describe, expect, test } from 'bun:test'
import { RESOURCE_METADATA, request, useTestApi } from './helpers.ts'

const ctx = useTestApi()

describe('GET /api/examples/scopes: all of several scopes', () => {
  test('both scopes: 200', async () => {
    const token = await ctx.issuer.mint({ scope: 'write:messages read:messages' })
    const result = await request(ctx.api.app, '/api/examples/scopes', { token })
    expect(result.status).toBe(200)
    expect(result.body).toEqual({ scopes: ['write:messages', 'read:messages'] })
  })

  test('one of the two: 403 naming both', async () => {
    const token = await ctx.issuer.mint({ scope: 'read:messages' })
    const result = await request(ctx.api.app, '/api/examples/scopes', { token })
    expect(result.status).toBe(403)
    expect(result.challenge).toEndWith(`scope="read:messages write:messages", ${RESOURCE_METADATA}`)
  })
})

describe('GET /api/examples/permissions: Auth0 RBAC permissions', () => {
  test('the permission in the permissions claim: 200', async () => {
    const token = await ctx.issuer.mint({ permissions: ['read:messages'] })
    expect((await request(ctx.api.app, '/api/examples/permissions', { token })).body).toEqual({
      permissions: ['read:messages'],
    })
  })

  test('the same value as a scope does not count as a permission: 403', async () => {
    const token = await ctx.issuer.mint({ scope: 'read:messages', permissions: ['write:messages'] })
    const result = await request(ctx.api.app, '/api/examples/permissions', { token })
    expect(result.status).toBe(403)
    expect(result.challenge).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a required permission", scope="read:messages", ${RESOURCE_METADATA}`,
    )
  })

  test('a permissions claim that is not an array grants nothing', async () => {
    const token = await ctx.issuer.mint({ permissions: 'read:messages' })
    expect((await request(ctx.api.app, '/api/examples/permissions', { token })).status).toBe(403)
  })
})

describe('GET /api/examples/organization: a custom claim check', () => {
  test('passes: 200', async () => {
    const token = await ctx.issuer.mint({ org_id: 'org_123' })
    expect((await request(ctx.api.app, '/api/examples/organization', { token })).body).toEqual({
      organization: 'org_123',
    })
  })

  test('fails: 403, not 401', async () => {
    for (const claims of [{}, { org_id: 42 }, { org_id: 'team_1' }]) {
      const result = await request(ctx.api.app, '/api/examples/organization', { token: await ctx.issuer.mint(claims) })
      expect(result.status).toBe(403)
      expect(result.challenge).toBe(
        `Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant access to this resource", ${RESOURCE_METADATA}`,
      )
    }
  })

  test('an invalid token is still 401 before the check runs', async () => {
    const token = await ctx.issuer.mint({ org_id: 'org_123', aud: 'https://other' })
    expect((await request(ctx.api.app, '/api/examples/organization', { token })).status).toBe(401)
  })
})

describe('the OpenAPI document', () => {
  test('documents each example route with the bearer or DPoP requirement and its 403', async () => {
    const { body } = await request(ctx.api.app, '/openapi.json')
    const paths = (body as { paths: Record<string, { get: { security?: unknown; responses: object } }> }).paths
    for (const path of ['/api/examples/scopes', '/api/examples/permissions', '/api/examples/organization']) {
      expect(paths[path]?.get.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }])
      expect(Object.keys(paths[path]?.get.responses ?? {})).toContain('403')
    }
  })
})
