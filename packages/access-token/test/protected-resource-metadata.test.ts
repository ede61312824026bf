import { describe, expect, test } from 'bun:test'
import { createProtectedResourceMetadata, protectedResourceMetadataPath } from '../src/index.ts'

describe('protectedResourceMetadataPath (RFC 9728 §3.1)', () => {
  test.each([
    [undefined, '/.well-known/oauth-protected-resource'],
    ['https://api.example.com', '/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', '/.well-known/oauth-protected-resource'],
    ['https://api.example.com/v1', '/.well-known/oauth-protected-resource/v1'],
    ['https://api.example.com/v1/', '/.well-known/oauth-protected-resource/v1/'],
  ])('%s → %s', (resource, path) => {
    expect(protectedResourceMetadataPath(resource)).toBe(path)
  })
})

describe('createProtectedResourceMetadata (RFC 9728 §2)', () => {
  test('header-only bearer methods, sorted unique scopes, DPoP members, no null members', () => {
    const document = createProtectedResourceMetadata({
      resource: 'https://api.example.com',
      authorizationServers: ['https://tenant.auth0.com/'],
      scopesSupported: ['write:messages', 'read:messages', 'read:messages'],
      dpop: { algorithms: ['ES256'], required: true },
    })
    expect(document).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://tenant.auth0.com/'],
      scopes_supported: ['read:messages', 'write:messages'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
    })
  })

  test('without DPoP: no algorithms, and DPoP-bound tokens not required', () => {
    const document = createProtectedResourceMetadata({
      resource: 'https://api.example.com',
      authorizationServers: [],
      scopesSupported: [],
      resourceName: 'API',
      resourceDocumentation: 'https://api.example.com/docs',
    })
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported')
    expect(document).toMatchObject({
      dpop_bound_access_tokens_required: false,
      resource_name: 'API',
      resource_documentation: 'https://api.example.com/docs',
    })
  })
})
