// The baseline: a bare Bun.serve verifying with jose's own remote key set and jwtVerify, nothing else (no
// framework, no typing checks, no classified errors). It answers the same two routes as the API for the same
// token, audience and issuer, so that the API's cost over the bare minimum can be read off one table.
// Environment: PORT (0 = any), HOST, ISSUER (the `iss` value), JWKS_URI, AUDIENCE.
import { createRemoteJWKSet, jwtVerify } from 'jose'

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    console.error(`missing environment variable ${name}`)
    process.exit(1)
  }
  return value
}

const issuer = required('ISSUER')
const audience = required('AUDIENCE')
const keySet = createRemoteJWKSet(new URL(required('JWKS_URI')))

// The API's exact answer for the public route.
const publicMessage = JSON.stringify({
  status: 'success',
  msg: "Hello from a public endpoint! You don't need to be authenticated to see this.",
})

const unauthorized = () =>
  new Response(JSON.stringify({ error: 'invalid_token' }), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' },
  })

async function privateRoute(request: Request): Promise<Response> {
  const match = /^Bearer +(\S+)$/i.exec(request.headers.get('authorization') ?? '')
  if (match?.[1] === undefined) return unauthorized()
  try {
    const { payload } = await jwtVerify(match[1], keySet, { issuer, audience, algorithms: ['RS256'] })
    return Response.json(payload)
  } catch {
    return unauthorized()
  }
}

const server = Bun.serve({
  hostname: process.env.HOST || '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  routes: {
    '/api/public': () => new Response(publicMessage, { headers: { 'content-type': 'application/json' } }),
    '/api/private': privateRoute,
  },
  fetch: () => new Response('not found', { status: 404 }),
})
console.log(JSON.stringify({ event: 'server_started', url: `http://${server.hostname}:${server.port}` }))

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => void server.stop().then(() => process.exit(0)))
