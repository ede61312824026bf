// `bun run bench:peers`: our API next to Auth0's express-oauth2-jwt-bearer and Hono's jwk middleware, each in its
// own process behind real HTTP on 127.0.0.1, loaded one at a time by wrk through @repo/bench-http (the same load
// generator, settings and CPU pinning as `bun run bench`, so that the two tables compare). Prints figures and
// ratios from one run; asserts nothing (not a test). Every child is stopped before the process ends.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  cleanUpOnSignals,
  createCpuLayout,
  type LoadResult,
  loadSettingsFromEnv,
  pinThisProcess,
  type RunningServer,
  requireWrk,
  runLoad,
  type ServerSpec,
  startServer,
  stopAllChildren,
  WrkMissingError,
  wrkVersion,
} from '@repo/bench-http'
import { startIssuerStub } from '@repo/testing'
import { formatMs, formatRate, formatRatio, formatTable, preview } from './table.ts'

const packageDir = join(import.meta.dir, '..')
const repoRoot = join(packageDir, '..', '..')
const audience = 'https://api.example.test'
const settings = loadSettingsFromEnv() // BENCH_CONNECTIONS, BENCH_WARMUP_SECONDS, BENCH_SECONDS
const layout = createCpuLayout() // the server on one CPU; wrk, the stub and this process on another
const onlyServers = process.env.BENCH_SERVERS?.split(',').map((name) => name.trim())

/** The version of `name` that Node's resolution finds from `fromDir` (works with Bun's isolated installs). */
async function installedVersion(name: string, fromDir: string): Promise<string> {
  for (let dir = realpathSync(fromDir); ; dir = dirname(dir)) {
    const file = Bun.file(join(dir, 'node_modules', name, 'package.json'))
    if (await file.exists()) return ((await file.json()) as { version: string }).version
    if (dirname(dir) === dir) return 'not found'
  }
}

/** Node 20 cannot run TypeScript: the Express server is compiled to one ES module, its packages left external. */
async function compileForNode(entry: string): Promise<string> {
  const result = await Bun.build({
    entrypoints: [entry],
    outdir: join(packageDir, 'node_modules', '.cache', 'bench-peers'), // under node_modules: `express` resolves
    target: 'node',
    format: 'esm',
    packages: 'external',
    naming: '[name].mjs',
  })
  const output = result.outputs[0]
  if (!result.success || output === undefined) throw new AggregateError(result.logs, `could not compile ${entry}`)
  return output.path
}

try {
  requireWrk()
} catch (error) {
  if (!(error instanceof WrkMissingError)) throw error
  console.error(error.message)
  process.exit(1)
}

const issuer = await startIssuerStub({ audience })
const now = Math.floor(Date.now() / 1000)
const validToken = await issuer.mint({ scope: 'read:messages' })
const expiredToken = await issuer.mint({ iat: now - 7200, exp: now - 3600 })
const probes = [
  { name: 'valid token', authorization: `Bearer ${validToken}`, expected: 200 },
  { name: 'no token', authorization: undefined, expected: 401 },
  { name: 'expired token', authorization: `Bearer ${expiredToken}`, expected: 401 },
  { name: 'garbage token', authorization: 'Bearer a.b.c', expected: 401 },
] as const
const loads = [probes[0], probes[1], probes[3]] as const

const workDir = mkdtempSync(join(tmpdir(), 'bench-peers-')) // the children's stderr logs, and our API's cwd
let cleaned: Promise<void> | undefined
const cleanUp = () => {
  cleaned ??= (async () => {
    await stopAllChildren()
    await issuer.close()
    rmSync(workDir, { recursive: true, force: true })
  })()
  return cleaned
}
cleanUpOnSignals(cleanUp)

const nodePath = Bun.which('node')
const nodeVersion = nodePath === null ? undefined : Bun.spawnSync([nodePath, '--version']).stdout.toString().trim()

/** Ours first (the ratios divide by it), then the peers; each reads only the variables given here. */
async function serverSpecs(): Promise<ServerSpec[]> {
  const oursCwd = join(workDir, 'ours') // no .env to find there
  mkdirSync(oursCwd)
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' }
  const listening = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/
  const expressEnv = { ...baseEnv, PORT: '0', ISSUER_BASE_URL: issuer.issuer, AUDIENCE: audience }
  const honoEnv = { ...expressEnv, JWKS_URI: issuer.jwksUri }
  const bun = process.execPath
  return [
    {
      name: 'ours (bun)',
      cmd: [bun, '--no-env-file', join(repoRoot, 'apps/api/src/index.ts')],
      cwd: oursCwd,
      env: {
        ...baseEnv,
        AUTH0_ISSUER_BASE_URL: issuer.baseUrl,
        AUTH0_API_AUDIENCE: audience,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      ready: /"event":"server_started".*"url":"(http:\/\/127\.0\.0\.1:\d+)"/,
    },
    ...(nodePath === null
      ? []
      : [
          {
            name: 'express (node)',
            cmd: [nodePath, await compileForNode(join(packageDir, 'src/servers/express.ts'))],
            cwd: packageDir,
            env: expressEnv,
            ready: listening,
          },
        ]),
    {
      name: 'express (bun)',
      cmd: [bun, '--no-env-file', join(packageDir, 'src/servers/express.ts')],
      cwd: packageDir,
      env: expressEnv,
      ready: listening,
    },
    {
      name: 'hono (bun)',
      cmd: [bun, '--no-env-file', join(packageDir, 'src/servers/hono.ts')],
      cwd: packageDir,
      env: honoEnv,
      ready: listening,
    },
  ]
}

interface ServerReport {
  readonly name: string
  readonly probes: string[][]
  readonly bodies: string[][]
  readonly loads: Map<string, LoadResult>
  /** JWKS requests the stub served, and lines the server logged, per phase (`start + checks`, then each load). */
  readonly jwks: Map<string, number>
  readonly logLines: Map<string, number>
  problem?: string
}

async function probe(server: RunningServer, authorization: string | undefined) {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
  const response = await fetch(`${server.baseUrl}/api/private`, { headers })
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() }
}

async function benchmark(spec: ServerSpec): Promise<ServerReport> {
  const report: ServerReport = {
    name: spec.name,
    probes: [],
    bodies: [],
    loads: new Map(),
    jwks: new Map(),
    logLines: new Map(),
  }
  const jwksBefore = issuer.jwksRequests
  let server: RunningServer
  try {
    server = await startServer(spec, { logDir: workDir, cpus: layout.server })
  } catch (error) {
    report.problem = `did not start: ${(error as Error).message}`
    console.log(`${spec.name}: ${report.problem}`)
    return report
  }
  try {
    const wrong: string[] = []
    for (const { name, authorization, expected } of probes) {
      const { status, challenge, body } = await probe(server, authorization)
      report.probes.push([spec.name, name, String(status), challenge ?? '(none)'])
      if (status !== 200) report.bodies.push([spec.name, name, preview(body)])
      const gate = name === 'valid token' || name === 'no token' // the others are only reported
      if (gate && status !== expected) wrong.push(`${name}: ${status}, expected ${expected}`)
    }
    report.jwks.set('start + checks', issuer.jwksRequests - jwksBefore)
    await Bun.sleep(100) // Express logs an error after answering: let those lines land in this phase
    report.logLines.set('start + checks', await server.linesWritten())
    if (wrong.length > 0) {
      report.problem = `no load run, the checks failed (${wrong.join('; ')})`
      console.log(`${spec.name}: ${report.problem}\n${await server.output()}`)
      return report
    }
    for (const { name, authorization, expected } of loads) {
      const jwksAtStart = issuer.jwksRequests
      const linesAtStart = await server.linesWritten()
      const url = `${server.baseUrl}/api/private`
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
      const result = await runLoad({ ...settings, url, headers, expectedStatus: expected, cpus: layout.load })
      const jwks = issuer.jwksRequests - jwksAtStart
      await Bun.sleep(100)
      const logLines = (await server.linesWritten()) - linesAtStart
      report.loads.set(name, result)
      report.jwks.set(name, jwks)
      report.logLines.set(name, logLines)
      console.log(
        `  ${spec.name.padEnd(15)} ${name.padEnd(14)} ${formatRate(result.perSecond).padStart(7)} req/s  ` +
          `p50 ${formatMs(result.p50Ms).padStart(5)} ms  p99 ${formatMs(result.p99Ms).padStart(6)} ms  ` +
          `JWKS fetches ${jwks}, log lines ${logLines}`,
      )
    }
    return report
  } finally {
    await server.stop()
  }
}

const perAnswer = (count: number | undefined, result: LoadResult | undefined) =>
  count === undefined || result === undefined ? '-' : (count / result.answersWithWarmup).toFixed(count === 0 ? 0 : 2)

function printReports(reports: readonly ServerReport[]) {
  console.log('\nAnswers before the load (GET /api/private; NODE_ENV=production in every server)\n')
  const probeRows = reports.flatMap((report) => report.probes)
  console.log(formatTable(['server', 'request', 'status', 'WWW-Authenticate'], probeRows, 'llrl'))
  console.log('\nBodies of those refusals (whitespace collapsed)\n')
  const bodyRows = reports.flatMap((report) => report.bodies)
  console.log(formatTable(['server', 'request', 'body'], bodyRows, 'lll'))

  const window = `${settings.warmupSeconds} s warm-up, ${settings.seconds} s measured`
  const pinning =
    layout.server === undefined
      ? 'no CPU pinning'
      : `server on CPU ${layout.server}, wrk and the issuer stub on CPU ${layout.load}`
  console.log(
    `\nLoad: wrk, ${settings.connections} keep-alive connections, ${settings.threads} thread, ${window}; ${pinning}\n`,
  )
  const ours = reports[0]?.name.startsWith('ours') ? reports[0] : undefined
  const loadRows: string[][] = []
  for (const report of reports) {
    for (const { name } of loads) {
      const result = report.loads.get(name)
      if (result === undefined) continue
      const odd = [...result.unexpected].map(([status, count]) => `${count}×${status}`)
      if (result.failures > 0) odd.push(`${result.failures} failed`)
      loadRows.push([
        report.name,
        name,
        formatRate(result.perSecond),
        formatMs(result.p50Ms),
        formatMs(result.p99Ms),
        perAnswer(report.jwks.get(name), result),
        perAnswer(report.logLines.get(name), result),
        odd.join(', ') || '-',
      ])
    }
  }
  const loadHeader = ['server', 'request', 'req/s', 'p50 ms', 'p99 ms', 'JWKS/req', 'log lines/req', 'unexpected']
  console.log(formatTable(loadHeader, loadRows, 'llrrrrrl'))
  console.log('(JWKS/req and log lines/req: what the issuer stub served and what the server wrote to stdout and')
  console.log(' stderr, divided by all its answers in that measurement, warm-up included)')

  console.log('\nPeer / ours, requests per second (above 1: the peer answered more)\n')
  const ratioRows = reports
    .filter((report) => report !== ours && report.loads.size > 0)
    .map((report) => [
      report.name,
      ...loads.map(({ name }) => {
        const peer = report.loads.get(name)?.perSecond ?? Number.NaN
        return formatRatio(peer / (ours?.loads.get(name)?.perSecond ?? Number.NaN))
      }),
    ])
  console.log(formatTable(['peer', ...loads.map(({ name }) => name)], ratioRows, 'lrrr'))

  console.log('\nJWKS requests served by the issuer stub, per server\n')
  const phases = ['start + checks', ...loads.map(({ name }) => `${name} load`)]
  const jwksRows = reports.map((report) => {
    const counts = ['start + checks', ...loads.map(({ name }) => name)].map((phase) => report.jwks.get(phase))
    const total = counts.reduce<number>((sum, count) => sum + (count ?? 0), 0)
    return [report.name, ...counts.map((count) => (count === undefined ? '-' : String(count))), String(total)]
  })
  console.log(formatTable(['server', ...phases, 'total'], jwksRows, 'lrrrrr'))

  for (const report of reports) if (report.problem !== undefined) console.log(`\n${report.name}: ${report.problem}`)
}

try {
  const specs = await serverSpecs()
  const selected = specs.filter((spec) => onlyServers === undefined || onlyServers.includes(spec.name))
  const ours = { elysia: 'apps/api', jose: 'packages/access-token' }
  const eojb = join(packageDir, 'node_modules', 'express-oauth2-jwt-bearer')
  console.log(`bun ${Bun.version}, node ${nodeVersion ?? '(not found: express under node skipped)'}; ${wrkVersion()}`)
  console.log(
    `ours: elysia ${await installedVersion('elysia', join(repoRoot, ours.elysia))}, ` +
      `jose ${await installedVersion('jose', join(repoRoot, ours.jose))}`,
  )
  console.log(
    `peers: express ${await installedVersion('express', packageDir)}, ` +
      `express-oauth2-jwt-bearer ${await installedVersion('express-oauth2-jwt-bearer', packageDir)} ` +
      `(jose ${await installedVersion('jose', eojb)}), hono ${await installedVersion('hono', packageDir)}`,
  )
  console.log(`issuer stub ${issuer.issuer} (in this process), audience ${audience}; servers one at a time:\n`)
  pinThisProcess(layout.load) // after compiling for Node, which may use both cores
  const reports: ServerReport[] = []
  for (const spec of selected) reports.push(await benchmark(spec))
  printReports(reports)
  console.log(
    '\nOne run on a shared, noisy machine: read the ratios, not the absolute numbers. A JWKS fetch here is a' +
      '\nloopback round trip to a stub; against a real issuer it crosses the internet.',
  )
} finally {
  await cleanUp()
}
