import type { createAuthPlugin } from '@repo/elysia-auth'
import { Elysia, t } from 'elysia'
import { ErrorBody } from './schemas.ts'

// The tutorial's exact answer for the public route.
const publicMessage = {
  status: 'success',
  msg: "Hello from a public endpoint! You don't need to be authenticated to see this.",
} as const

const Claims = t.Record(t.String(), t.Unknown(), {
  description: "The verified access token's claims",
  examples: [{ iss: 'https://your-tenant.us.auth0.com/', sub: 'abc@clients', aud: 'https://api.example.com' }],
})

const authErrors = {
  400: ErrorBody,
  401: ErrorBody,
  503: ErrorBody,
}

/** The routes of the Auth0 FastAPI tutorial. */
export function createMessageRoutes(auth: ReturnType<typeof createAuthPlugin>) {
  return new Elysia({ name: 'routes/messages', prefix: '/api' })
    .use(auth)
    .get('/public', () => publicMessage, {
      detail: { summary: 'Public endpoint: no token needed', tags: ['messages'] },
      response: { 200: t.Object({ status: t.String(), msg: t.String() }) },
    })
    .get('/private', ({ auth }) => auth.claims, {
      auth: true,
      detail: { summary: 'Any valid access token: returns its claims', tags: ['messages'] },
      response: { 200: Claims, ...authErrors },
    })
    .get('/private-scoped', ({ auth }) => auth.claims, {
      auth: { scopes: ['read:messages'] },
      detail: {
        summary: 'Needs the read:messages scope: returns the claims',
        tags: ['messages'],
      },
      response: { 200: Claims, ...authErrors, 403: ErrorBody },
    })
}
