// The servers every scenario runs against, in one list: a variant (metrics off, two workers, …) is one more
// entry here. Each gets only the environment given here and runs from a temporary directory (no `.env` to find).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { IssuerStub } from '@repo/testing'
import type { ServerSpec } from './server-process.ts'

export interface ServerContext {
  readonly issuer: IssuerStub
  readonly audience: string
  /** The compiled API (`apps/api/dist/api`). */
  readonly apiBinary: string
  /** A temporary directory; each server gets a folder of its own below it as its working directory. */
  readonly workDir: string
}

export interface BenchServer {
  /** Short and stable: `BENCH_SERVERS` selects by it and the ratios name it (`ours`, `raw`). */
  readonly id: string
  /** Shown in the tables. */
  readonly label: string
  /** True for the compiled API and its variants: the targets are about these. */
  readonly ours: boolean
  /** `all`: the server and its load share every CPU instead of one each (the workers row). */
  readonly cpus?: 'all'
  spec(context: ServerContext): ServerSpec
}

/** The line both servers print once listening: `{"event":"server_started",…,"url":"http://127.0.0.1:PORT"}`. */
const serverStarted = /"event":"server_started".*"url":"(http:\/\/127\.0\.0\.1:\d+)"/

function ownDir(context: ServerContext, id: string): string {
  const dir = join(context.workDir, id)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** The compiled API as the container runs it (NODE_ENV=production), bound to loopback on any free port. */
function oursWith(
  id: string,
  label: string,
  extraEnv: Readonly<Record<string, string>> = {},
  cpus?: 'all',
  binary?: string,
): BenchServer {
  return {
    id,
    label,
    // Another build is shown beside ours; the targets are about this build only.
    ours: binary === undefined,
    ...(cpus === undefined ? {} : { cpus }),
    spec: (context) => ({
      name: id,
      cmd: [binary ?? context.apiBinary],
      cwd: ownDir(context, id),
      env: {
        NODE_ENV: 'production',
        AUTH0_ISSUER_BASE_URL: context.issuer.baseUrl,
        AUTH0_API_AUDIENCE: context.audience,
        PORT: '0',
        HOST: '127.0.0.1',
        ...extraEnv,
      },
      ready: serverStarted,
    }),
  }
}

const rawBunJose: BenchServer = {
  id: 'raw',
  label: 'raw Bun.serve + jose',
  ours: false,
  spec: (context) => ({
    name: 'raw',
    cmd: [process.execPath, '--no-env-file', join(import.meta.dir, 'servers', 'raw-bun-jose.ts')],
    cwd: ownDir(context, 'raw'),
    env: {
      NODE_ENV: 'production',
      ISSUER: context.issuer.issuer,
      JWKS_URI: context.issuer.jwksUri,
      AUDIENCE: context.audience,
      PORT: '0',
      HOST: '127.0.0.1',
    },
    ready: serverStarted,
  }),
}

/**
 * `BENCH_BASELINE_BINARY=path`: another build of the API (e.g. the previous commit's `dist/api`, copied aside) as
 * the `baseline` server, so that a change is measured against what it replaces in one run, on one machine state.
 */
const baselineBinary = process.env.BENCH_BASELINE_BINARY
const baseline: BenchServer[] =
  baselineBinary === undefined || baselineBinary === ''
    ? []
    : [oursWith('baseline', `baseline (${baselineBinary})`, {}, undefined, baselineBinary)]

/** Every server, ours first. The ratios compare `ours` with `raw`; other entries are shown beside them. */
export const benchServers: readonly BenchServer[] = [
  ...baseline,
  oursWith('ours', 'ours (compiled API)'),
  // The same binary without the verified-token cache: every request pays its signature check.
  oursWith('ours-nocache', 'ours, cache off', { AUTH0_TOKEN_CACHE_SIZE: '0' }),
  // Observability's cost (issue 10: metrics on and off in one run): the access log on, then metrics off.
  oursWith('ours-log', 'ours, access log on', { ACCESS_LOG: 'true' }),
  oursWith('ours-nometrics', 'ours, metrics off', { METRICS_ENABLED: 'false' }),
  rawBunJose,
  // WEB_CONCURRENCY on this machine: one process, then two, each with wrk on the same two CPUs (so the load generator
  // takes its share from the server: measured as it is, not extrapolated).
  oursWith('ours-1w-shared', 'ours, 1 process, load on the same 2 CPUs', {}, 'all'),
  oursWith('ours-2w-shared', 'ours, WEB_CONCURRENCY=2, load on the same 2 CPUs', { WEB_CONCURRENCY: '2' }, 'all'),
]

/** `BENCH_SERVERS=ours,raw` keeps only those ids; unset keeps all. Unknown ids stop the run. */
export function selectServers(filter: string | undefined, servers = benchServers): BenchServer[] {
  if (filter === undefined || filter.trim() === '') return [...servers]
  const ids = filter.split(',').map((id) => id.trim())
  const unknown = ids.filter((id) => !servers.some((server) => server.id === id))
  if (unknown.length > 0) {
    throw new TypeError(`BENCH_SERVERS: unknown ${unknown.join(', ')}; known: ${servers.map((s) => s.id).join(', ')}`)
  }
  return servers.filter((server) => ids.includes(server.id))
}
