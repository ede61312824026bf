import { expect, test } from 'bun:test'
import { COMPOSE_AUDIENCE as audience, requestToken, useComposeStack } from '../src/compose-stack.ts'
import { describeWith, dockerPrerequisite } from '../src/prerequisites.ts'
import { matchesShown, readWalkthrough, runWalkthrough } from '../src/readme-walkthrough.ts'
import { repoRoot } from '../src/repo.ts'

// docker-compose.yml as the README runs it: both images built from the Dockerfile, `up --wait`, the tutorial's
// curl flow against the containers, their hardening, and the switch to an Auth0 tenant. Needs a Docker engine:
// skipped without one, unless E2E_REQUIRE_DOCKER=1 (CI with an engine), which makes a missing engine a failure.
const publicMessage = `{"status":"success","msg":"Hello from a public endpoint! You don't need to be authenticated to see this."}`

function composeSuite() {
  const stack = useComposeStack('compose')
  const { project } = stack
  const token = (clientId: string, clientSecret: string) => requestToken(stack, clientId, clientSecret)
  const api = (path: string, accessToken?: string) =>
    fetch(
      `${stack.apiUrl}${path}`,
      accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } },
    )

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
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="read:messages"')

    const missing = await api('/api/private')
    expect(missing.status).toBe(401)
    // A Bearer and a DPoP challenge, each naming where the resource metadata is (RFC 9728 §5.1).
    const metadata = `resource_metadata="${stack.apiUrl}/.well-known/oauth-protected-resource"`
    expect(missing.headers.get('www-authenticate')).toStartWith(`Bearer realm="api", ${metadata}, DPoP algs="ES256 `)
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

  test('the README walk-through prints what the README shows', async () => {
    const steps = await readWalkthrough()
    expect(steps.length).toBeGreaterThanOrEqual(6)
    const outputs = await runWalkthrough(steps, stack)
    const mismatches = steps.flatMap((step, i) => {
      const actual = outputs[i] ?? []
      const ok =
        actual.length === step.expected.length &&
        step.expected.every((shown, j) => matchesShown(actual[j] ?? '', shown))
      return ok ? [] : [{ command: step.command, shown: step.expected, printed: actual }]
    })
    expect(mismatches).toEqual([])
  }, 60_000)

  test('the protected resource metadata (RFC 9728) names the audience and the issuer', async () => {
    const described = (await (await api('/.well-known/oauth-protected-resource')).json()) as Record<string, unknown>
    expect(described).toMatchObject({ resource: audience, authorization_servers: ['http://issuer:9000'] })
  })

  test('examples/dpop-client against the containers: a DPoP-bound token, a 200, a replayed proof refused', async () => {
    const example = Bun.spawn(['bun', '--no-env-file', 'examples/dpop-client/src/main.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', API_URL: stack.apiUrl, ISSUER_URL: stack.issuerUrl },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [printed, code] = await Promise.all([new Response(example.stdout).text(), example.exited])
    expect(code).toBe(0)
    expect(printed).toMatch(/3\. GET \/api\/private: 200/)
    expect(printed).toContain('the same proof again: 401 The DPoP proof has already been used')
  }, 60_000)

  test('with AUTH0_DOMAIN set (a .env change only), the API trusts the tenant, refuses local tokens, and says it is not ready', async () => {
    const local = await token('local-client', 'local-secret')
    // `.invalid` never resolves (RFC 6761): the API is pointed at a tenant without reaching any outside host. It
    // cannot get that tenant's keys, so it is not ready: no `--wait` (that waits for healthy).
    const tenant = { AUTH0_DOMAIN: 'example-tenant.invalid', AUTH0_API_AUDIENCE: audience }
    await project.run(['up', '-d', '--no-deps', 'api'], tenant)
    // The container was recreated: its published port is a new one; its start-up line says it is listening.
    stack.apiUrl = await project.url('api', 8000)
    await project.waitForLog('api', '"event":"readiness"')
    expect(await project.run(['logs', '--no-color', 'api'])).toContain('"issuer":"https://example-tenant.invalid/"')
    const switched = await api('/api/private', local)
    expect(switched.status).not.toBe(200)
    // Readiness tells the truth, and so does the container's HEALTHCHECK, which runs the binary's --healthcheck.
    expect((await api('/readyz')).status).toBe(503)
    const healthcheck = Bun.spawn(['docker', 'exec', await project.containerId('api'), '/app/api', '--healthcheck'])
    expect(await healthcheck.exited).toBe(1)
  }, 120_000)

  test('the API stops on SIGTERM without waiting for the kill', async () => {
    const started = performance.now()
    await project.run(['stop', '-t', '10', 'api'])
    expect(performance.now() - started).toBeLessThan(5_000)
  }, 30_000)
}

describeWith('docker compose up (docker-compose.yml, both images)', [await dockerPrerequisite()], composeSuite)
