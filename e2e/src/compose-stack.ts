import { afterAll, beforeAll } from 'bun:test'
import { type ComposeProject, createComposeProject } from './compose-project.ts'

/** The audience docker-compose.yml gives the API and the issuer by default. */
export const COMPOSE_AUDIENCE = 'https://api.local.test'

export interface ComposeStack {
  readonly project: ComposeProject
  /** The issuer's published port, as a browser or a curl on this machine reaches it. */
  issuerUrl: string
  /** The API's published port; changes when a test recreates the container. */
  apiUrl: string
}

// One build per test process: the images carry fixed tags, so a second file using the stack reuses them.
let imagesBuilt: Promise<number> | undefined

const seconds = (ms: number) => (ms / 1000).toFixed(1)

/**
 * Starts docker-compose.yml as its README runs it, as a project of its own on ports the engine picks (loopback
 * only; read back with `docker compose port`): no clash with a `docker compose up` on 8000/9000, and no "free a
 * moment ago" race. The issuer comes up first, so that the API can be told where browsers reach it
 * (`DOCS_ISSUER_ALIAS`, which compose otherwise sets to localhost:9000). Stopped, volumes and all, after the file.
 */
export function useComposeStack(label: string): ComposeStack {
  const project = createComposeProject({
    name: `bun-auth0-api-e2e-${label}-${process.pid}-${Date.now().toString(36)}`,
    env: { API_HOST_PORT: '127.0.0.1:0', ISSUER_HOST_PORT: '127.0.0.1:0' },
  })
  const stack: ComposeStack = { project, issuerUrl: '', apiUrl: '' }

  beforeAll(async () => {
    try {
      const started = performance.now()
      const building = imagesBuilt === undefined
      imagesBuilt ??= project.run(['build']).then(() => performance.now() - started)
      const buildMs = await imagesBuilt
      const built = performance.now()
      await project.run(['up', '-d', '--wait', '--wait-timeout', '120', 'issuer'])
      stack.issuerUrl = await project.url('issuer', 9000)
      const issuerUp = performance.now()
      const alias = { DOCS_ISSUER_ALIAS: `http://issuer:9000=${stack.issuerUrl}` }
      await project.run(['up', '-d', '--wait', '--wait-timeout', '120', 'api'], alias)
      stack.apiUrl = await project.url('api', 8000)
      const build = building ? `images built in ${seconds(buildMs)} s` : 'images built by an earlier file'
      const up = `issuer up in ${seconds(issuerUp - built)} s, api in ${seconds(performance.now() - issuerUp)} s`
      console.log(`e2e: compose project ${project.name}: ${build}, ${up}`)
    } catch (error) {
      console.error(await project.logs())
      await project.down()
      throw error
    }
  }, 900_000)

  afterAll(() => project.down(), 120_000)

  return stack
}

/** The tutorial's token request (client_credentials, Auth0's `audience`), to the published issuer. */
export async function requestToken(stack: ComposeStack, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${stack.issuerUrl}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience: COMPOSE_AUDIENCE,
    }),
  })
  const body = (await response.json()) as { access_token?: string }
  if (body.access_token === undefined) throw new Error(`no token from the issuer: ${JSON.stringify(body)}`)
  return body.access_token
}
