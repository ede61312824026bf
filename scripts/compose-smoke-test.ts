// `bun run test:compose`: builds the images, starts docker-compose.yml as a user would, walks the README's
// curl flow against the containers, checks they run as non-root, and tears everything down.
import { $ } from 'bun'

const project = 'bun-auth0-api-smoke'
/** Host ports that were free a moment ago, so that a running `docker compose up` is left alone. */
function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}
const apiPort = freePort()
const issuerPort = freePort()
const audience = 'https://api.local.test'
const env = { ...process.env, API_HOST_PORT: String(apiPort), ISSUER_HOST_PORT: String(issuerPort) }
const compose = (args: string[]) => $`docker compose -p ${project} ${args}`.env(env)

let passed = 0
let failed = 0
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed += 1
  else failed += 1
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === '' ? '' : `: ${detail}`}`)
}

async function token(clientId: string, clientSecret: string): Promise<string> {
  // The tutorial's request, pointed at the local issuer's published port.
  const response = await fetch(`http://127.0.0.1:${issuerPort}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience,
    }),
  })
  const body = (await response.json()) as { access_token?: string }
  if (body.access_token === undefined) throw new Error(`no token from the issuer: ${JSON.stringify(body)}`)
  return body.access_token
}

const api = (path: string, token?: string) =>
  fetch(
    `http://127.0.0.1:${apiPort}${path}`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  )

try {
  await compose(['build'])
  await compose(['up', '-d', '--wait', '--wait-timeout', '120'])

  const publicResponse = await api('/api/public')
  check('GET /api/public is 200', publicResponse.status === 200)
  check(
    'GET /api/public answers the tutorial message',
    (await publicResponse.text()) ===
      `{"status":"success","msg":"Hello from a public endpoint! You don't need to be authenticated to see this."}`,
  )

  const full = await token('local-client', 'local-secret')
  const privateResponse = await api('/api/private', full)
  const claims = (await privateResponse.json()) as Record<string, unknown>
  check('GET /api/private with a token is 200', privateResponse.status === 200, String(privateResponse.status))
  check(
    'the claims carry the compose issuer and audience',
    claims.iss === 'http://issuer:9000' && claims.aud === audience,
  )
  check('GET /api/private-scoped with read:messages is 200', (await api('/api/private-scoped', full)).status === 200)

  const limited = await token('limited-client', 'limited-secret')
  const forbidden = await api('/api/private-scoped', limited)
  check('GET /api/private-scoped without read:messages is 403', forbidden.status === 403, String(forbidden.status))
  check(
    'the 403 challenge names the scope',
    forbidden.headers.get('www-authenticate')?.includes('scope="read:messages"') === true,
  )
  const missing = await api('/api/private')
  const metadata = `resource_metadata="http://127.0.0.1:${apiPort}/.well-known/oauth-protected-resource"`
  check(
    'no token is 401 with bare Bearer and DPoP challenges naming the resource metadata',
    missing.status === 401 &&
      missing.headers.get('www-authenticate')?.startsWith(`Bearer realm="api", ${metadata}, DPoP algs="ES256 `) ===
        true,
    String(missing.headers.get('www-authenticate')),
  )
  const described = (await (await api('/.well-known/oauth-protected-resource')).json()) as Record<string, unknown>
  check(
    'the protected resource metadata names the audience and the issuer',
    described.resource === audience && JSON.stringify(described.authorization_servers) === '["http://issuer:9000"]',
  )

  // The DPoP example of the README against the containers: discovery, a bound token, a call, a replay refused.
  const example = await $`bun --no-env-file examples/dpop-client/src/main.ts`
    .env({ ...env, API_URL: `http://127.0.0.1:${apiPort}`, ISSUER_URL: `http://127.0.0.1:${issuerPort}` })
    .nothrow()
    .quiet()
  const printed = example.stdout.toString()
  check('examples/dpop-client gets a DPoP token and a 200', /3\. GET \/api\/private: 200/.test(printed), printed)
  check(
    'examples/dpop-client: the replayed proof is refused',
    printed.includes('the same proof again: 401 The DPoP proof has already been used'),
  )

  check('GET /readyz is 200', (await api('/readyz')).status === 200)
  const docs = await api('/docs')
  check('GET /docs serves Swagger UI', docs.status === 200 && (await docs.text()).includes('SwaggerUIBundle'))
  check('GET /openapi.json is 200', (await api('/openapi.json')).status === 200)

  for (const service of ['api', 'issuer']) {
    const id = (await compose(['ps', '-q', service]).text()).trim()
    // `docker top` lists the container's processes as the host sees them; the first column is the user.
    const uids = (await $`docker top ${id}`.text())
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[0])
      .filter((uid): uid is string => uid !== undefined && uid !== '')
    check(
      `${service} runs as non-root (uid ${uids.join(',')})`,
      uids.length > 0 && !uids.some((uid) => uid === '0' || uid === 'root'),
    )
    const readOnly = (await $`docker inspect --format ${'{{.HostConfig.ReadonlyRootfs}}'} ${id}`.text()).trim()
    check(`${service} has a read-only root file system`, readOnly === 'true')
  }

  // Switching to Auth0 is an environment (.env) change only: the API must then stop trusting the local issuer.
  const tenant = { ...env, AUTH0_DOMAIN: 'example-tenant.us.auth0.com', AUTH0_API_AUDIENCE: audience }
  await $`docker compose -p ${project} up -d --no-deps --wait api`.env(tenant)
  const logs = await compose(['logs', '--no-color', 'api']).text()
  check(
    'with AUTH0_DOMAIN set, the API trusts the tenant',
    logs.includes('"issuer":"https://example-tenant.us.auth0.com/"'),
  )
  const switched = await api('/api/private', full)
  check(`with AUTH0_DOMAIN set, a local issuer token is refused (${switched.status})`, switched.status !== 200)

  const started = performance.now()
  await compose(['stop', '-t', '10', 'api'])
  const seconds = (performance.now() - started) / 1000
  check(`the API stops on SIGTERM without waiting for the kill (${seconds.toFixed(1)} s)`, seconds < 5)
} catch (error) {
  failed += 1
  console.log(`FAIL ${error instanceof Error ? error.message : String(error)}`)
  await compose(['logs', '--no-color']).nothrow()
} finally {
  await compose(['down', '-v', '--remove-orphans']).nothrow().quiet()
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
