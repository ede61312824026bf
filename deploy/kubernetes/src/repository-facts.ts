import { join } from 'node:path'
import { createHealthRoutes } from 'api/src/routes/health.ts'
import { parse } from 'yaml'

/** What the rest of the repository says the manifests must agree with. */
export interface RepositoryFacts {
  /** The Dockerfile's `api` stage. */
  readonly apiImage: DockerfileStage
  /** docker-compose.yml's `image:` for the api service, e.g. `bun-auth0-api/api:local`. */
  readonly composeImage: string
  /** The API's health routes, as `GET /healthz`: listed by the app itself, not copied. */
  readonly healthRoutes: readonly string[]
  /** Every variable the API reads, from the tables of docs/configuration.md (the one reference users read too). */
  readonly apiVariables: ReadonlySet<string>
}

export interface DockerfileStage {
  readonly exposedPorts: readonly number[]
  readonly env: Readonly<Record<string, string>>
}

export async function loadRepositoryFacts(repositoryRoot: string): Promise<RepositoryFacts> {
  const [dockerfile, compose, configuration] = await Promise.all([
    Bun.file(join(repositoryRoot, 'Dockerfile')).text(),
    Bun.file(join(repositoryRoot, 'docker-compose.yml')).text(),
    Bun.file(join(repositoryRoot, 'docs', 'configuration.md')).text(),
  ])
  return {
    apiImage: readDockerfileStage(dockerfile, 'api'),
    composeImage: readComposeImage(compose, 'api'),
    healthRoutes: listHealthRoutes(),
    apiVariables: new Set([...configuration.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1] as string)),
  }
}

function listHealthRoutes(): string[] {
  // The readiness source is never called: listing the routes does not run a handler.
  const routes = createHealthRoutes({
    health() {
      throw new Error('not called')
    },
  })
  return routes.routes.map(({ method, path }) => `${method} ${path}`)
}

/** EXPOSE and ENV of one `FROM ... AS <stage>` stage. Handles `\` continuations, `KEY=value` and `KEY value`. */
export function readDockerfileStage(dockerfile: string, stage: string): DockerfileStage {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/)
      return { keyword: keyword.toUpperCase(), args: rest }
    })
  const start = instructions.findIndex(
    ({ keyword, args }) => keyword === 'FROM' && args.at(-2)?.toUpperCase() === 'AS' && args.at(-1) === stage,
  )
  if (start === -1) throw new Error(`Dockerfile: no stage named ${stage}`)
  const end = instructions.findIndex(({ keyword }, index) => index > start && keyword === 'FROM')
  const body = instructions.slice(start + 1, end === -1 ? undefined : end)
  const exposedPorts = body
    .filter(({ keyword }) => keyword === 'EXPOSE')
    .flatMap(({ args }) => args.map((arg) => Number(arg.split('/')[0])))
  const env: Record<string, string> = {}
  for (const { args } of body.filter(({ keyword }) => keyword === 'ENV')) {
    if (args.length > 0 && !args[0]?.includes('=')) env[args[0] ?? ''] = args.slice(1).join(' ')
    else for (const arg of args) env[arg.slice(0, arg.indexOf('='))] = unquote(arg.slice(arg.indexOf('=') + 1))
  }
  return { exposedPorts, env }
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value
}

export function readComposeImage(compose: string, service: string): string {
  const document: unknown = parse(compose)
  const image = (document as { services?: Record<string, { image?: unknown }> })?.services?.[service]?.image
  if (typeof image !== 'string') throw new Error(`docker-compose.yml: no image for service ${service}`)
  return image
}
