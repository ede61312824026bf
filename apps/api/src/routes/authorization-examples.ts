import type { AccessTokenPrincipal } from '@repo/access-token'
import type { createAuthPlugin } from '@repo/elysia-auth'
import { Elysia, t } from 'elysia'
import { ErrorBody } from './schemas.ts'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody }

/** A custom rule on the verified claims; false is a 403, never a 401. */
function isOrganizationMember({ claims }: AccessTokenPrincipal): boolean {
  return typeof claims.org_id === 'string' && claims.org_id.startsWith('org_')
}

/** One route per kind of authorization rule, as templates to copy. */
export function createAuthorizationExampleRoutes(auth: ReturnType<typeof createAuthPlugin>) {
  return new Elysia({ name: 'routes/authorization-examples', prefix: '/api/examples' })
    .use(auth)
    .get('/scopes', ({ auth }) => ({ scopes: [...auth.scopes] }), {
      auth: { scopes: ['read:messages', 'write:messages'] },
      detail: {
        summary: 'All of several OAuth scopes: read:messages and write:messages',
        tags: ['authorization examples'],
      },
      response: { 200: t.Object({ scopes: t.Array(t.String()) }), ...errors },
    })
    .get('/permissions', ({ auth }) => ({ permissions: [...auth.permissions] }), {
      auth: { permissions: ['read:messages'] },
      detail: {
        summary: 'An Auth0 RBAC permission (the `permissions` claim): read:messages',
        tags: ['authorization examples'],
      },
      response: { 200: t.Object({ permissions: t.Array(t.String()) }), ...errors },
    })
    .get('/organization', ({ auth }) => ({ organization: String(auth.claims.org_id) }), {
      auth: { check: isOrganizationMember },
      detail: {
        summary: 'A custom claim check: the token must belong to an Auth0 Organization (org_id)',
        tags: ['authorization examples'],
      },
      response: { 200: t.Object({ organization: t.String() }), ...errors },
    })
}
