// Hono's `jwk` middleware on Bun.serve, set up as its documentation shows (`jwks_uri`, `alg`), plus the expected
// issuer and audience, which it does not check unless told to: the three servers then refuse the same tokens.
import { Hono } from 'hono'
import { jwk } from 'hono/jwk'
import type { JwtVariables } from 'hono/jwt'
import type { JWTPayload } from 'hono/utils/jwt/types'
import { readEnv } from '../env.ts'

// ISSUER_BASE_URL is the issuer identifier itself, trailing slash included as Auth0 has it: `iss` must equal it.
const env = readEnv('PORT', 'ISSUER_BASE_URL', 'JWKS_URI', 'AUDIENCE')

// What `jwk` stores under `jwtPayload`; the middleware itself does not declare it.
const app = new Hono<{ Variables: JwtVariables<JWTPayload> }>()
app.use(
  '/api/private',
  jwk({ jwks_uri: env.JWKS_URI, alg: ['RS256'], verification: { iss: env.ISSUER_BASE_URL, aud: env.AUDIENCE } }),
)
app.get('/api/private', (c) => c.json(c.get('jwtPayload')))

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(env.PORT), fetch: app.fetch })
console.log(`listening on http://127.0.0.1:${server.port}`)
