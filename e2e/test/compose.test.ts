import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createComposeProject } from '../src/compose-project.ts'
import { dockerEngineAnswers } from '../src/docker.ts'

// docker-compose.yml as the README runs it: both images built from the Dockerfile, `up --wait`, the tutorial's
// curl flow against the containers, their hardening, and the switch to an Auth0 tenant. Needs a Docker engine:
// skipped without one, unless E2E_REQUIRE_DOCKER=1 (CI with an engine), which makes a missing engine a failure.
const audience = 'https://api.local.test'
const publicMessage = `{"status":"success","msg":"Hello from a public endpoint! You don't need to be authenticated to see this."}`

function composeSuite() {
  const project = createComposeProject({
    name: `bun-auth0-api-e2e-${process.pid}-${Date.now().toString(36)}`,
    // Loopback only, on ports the engine picks (read back with `docker compose port`): no clash with a
    // `docker compose up` already on 8000/9000, and no "free a moment ago" race.
    env: { API_HOST_PORT: '127.0.0.1:0', ISSUER_HOST_PORT: '127.0.0.1:0' },
  })
  let apiUrl: string
  let issuerUrl: string

  async function token(clientId: string, clientSecret: string): Promise<string> {
    // The tutorial's request, pointed at the issuer's published port.
    const response = await fetch(`${issuerUrl}/oauth/token`, {
      method: 'POST',
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
  const api = (path: string, accessToken?: string) =>
    fetch(`${apiUrl}${path}`, accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } })

  beforeAll(async () => {
    try {
      const started = performance.now()
      await project.run(['build'])
      const built = performance.now()
      await project.run(['up', '-d', '--wait', '--wait-timeout', '120'])
      const seconds = (ms: number) => (ms / 1000).toFixed(1)
      console.log(
        `e2e: compose project ${project.name}: images built in ${seconds(built - started)} s, up in ${seconds(performance.now() - built)} s`,
      )
      apiUrl = await project.url('api', 8000)
      issuerUrl = await project.url('issuer', 9000)
    } catch (error) {
      console.error(await project.logs())
      await project.down()
      throw error
    }
  }, 900_000)

  afterAll(() => project.down(), 120_000)

  test('the tutorial flow: public, private with a token, scoped with and without read:messages', async () => {
    const publicResponse = await api('/api/public')
    expect(publicResponse.status).toBe(200)
    expect(await publicResponse.text()).toBe(publicMessage)

    const full = await token('local-client', 'local-secret')
    const privateResponse = await api('/api/private', full)
    expect(privateResponse.status).toBe(200)
    // One issuer identifier for the host and the compose network.
    expect(await privateResponse.json()).toMatchObject({ iss: 'http://issuer:9000', aud: audience })
    expect((await api('/api/private-scoped', full)).status).toBe(200)

    const limited = await token('limited-client', 'limited-secret')
    const forbidden = await api('/api/private-scoped', limited)
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('www-authenticate')).toEndWith('scope="read:messages"')

    const missing = await api('/api/private')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"')
  }, 30_000)

  test('/readyz, /docs (Swagger UI) and /openapi.json', async () => {
    expect((await api('/readyz')).status).toBe(200)
    const docs = await api('/docs')
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain('SwaggerUIBundle')
    expect((await api('/openapi.json')).status).toBe(200)
  }, 30_000)

  for (const service of ['api', 'issuer']) {
    test(`${service} runs as non-root on a read-only root file system`, async () => {
      const id = await project.containerId(service)
      // `docker top` lists the container's processes as the host sees them; the first column is the user.
      const top = await Bun.$`docker top ${id}`.quiet().text()
      const users = top
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[0] ?? '')
        .filter((user) => user !== '')
      expect(users.length).toBeGreaterThan(0)
      expect(users.filter((user) => user === '0' || user === 'root')).toEqual([])
      const readOnly = await Bun.$`docker inspect --format ${'{{.HostConfig.ReadonlyRootfs}}'} ${id}`.quiet().text()
      expect(readOnly.trim()).toBe('true')
    }, 30_000)
  }

  test('with AUTH0_DOMAIN set (a .env change only), the API trusts the tenant and refuses local tokens', async () => {
    const local = await token('local-client', 'local-secret')
    // `.invalid` never resolves (RFC 6761): the API is pointed at a tenant without reaching any outside host.
    const tenant = { AUTH0_DOMAIN: 'example-tenant.invalid', AUTH0_API_AUDIENCE: audience }
    await project.run(['up', '-d', '--no-deps', '--wait', '--wait-timeout', '60', 'api'], tenant)
    // The container was recreated: its published port is a new one.
    apiUrl = await project.url('api', 8000)
    expect(await project.run(['logs', '--no-color', 'api'])).toContain('"issuer":"https://example-tenant.invalid/"')
    const switched = await api('/api/private', local)
    expect(switched.status).not.toBe(200)
  }, 120_000)

  test('the API stops on SIGTERM without waiting for the kill', async () => {
    const started = performance.now()
    await project.run(['stop', '-t', '10', 'api'])
    expect(performance.now() - started).toBeLessThan(5_000)
  }, 30_000)
}

const engine = await dockerEngineAnswers()
if (engine) {
  describe('docker compose up (docker-compose.yml, both images)', composeSuite)
} else if (process.env.E2E_REQUIRE_DOCKER === '1') {
  test('a Docker engine answers `docker info` (E2E_REQUIRE_DOCKER=1)', () => {
    throw new Error('E2E_REQUIRE_DOCKER=1 but no Docker engine answers `docker info`')
  })
} else {
  // The one line a run without Docker prints about this file.
  test.skip('docker compose e2e: no Docker engine answers `docker info` (E2E_REQUIRE_DOCKER=1 fails instead)', () => {})
}
