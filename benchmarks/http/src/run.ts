// `bun run bench`: the compiled API and a bare Bun.serve + jose baseline behind real HTTP on 127.0.0.1, loaded by
// wrk with the server on one core and the load (wrk, the issuer stub, this process) on the other. Prints a
// Markdown report and writes it to results/latest.md. Asserts nothing (not a test). Every child process and the
// stub are stopped at the end, after a failure, and on SIGINT/SIGTERM.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { startIssuerStub } from '@repo/testing'
import { buildApi } from './build-api.ts'
import { cleanUpOnSignals, stopAllChildren } from './children.ts'
import { createCpuLayout, pinnedCommand, pinThisProcess } from './cpu-pinning.ts'
import { describeCommand, describeMachine } from './environment.ts'
import { type InProcessResult, measureInProcess } from './in-process.ts'
import { loadSettingsFromEnv } from './load.ts'
import { measureRssTrace, type RssTrace } from './long-run.ts'
import { type Measurement, measure } from './measure.ts'
import { dropPageCache } from './page-cache.ts'
import { measureReadyTimes, type ReadyTimes } from './ready-time.ts'
import { formatReport } from './report.ts'
import { medianRound, roundsFromEnv, serverOrder } from './rounds.ts'
import { createScenarios, mintScenarioTokens } from './scenarios.ts'
import { selectServers } from './servers.ts'
import { formatMs, formatOne, formatRate } from './table.ts'
import { createTokenPool } from './token-pool.ts'
import { requireWrk, WrkMissingError, wrkVersion } from './wrk.ts'

const packageDir = join(import.meta.dir, '..')
const repoRoot = join(packageDir, '..', '..')
const audience = 'https://api.example.test' // the audience the API's test wiring (in-process table) expects
const claims = { scope: 'read:messages' }
const env = process.env

try {
  requireWrk()
} catch (error) {
  if (!(error instanceof WrkMissingError)) throw error
  console.error(error.message)
  process.exit(1)
}

const settings = loadSettingsFromEnv()
const rounds = roundsFromEnv(env.BENCH_ROUNDS)
const servers = selectServers(env.BENCH_SERVERS)
const onlyScenarios = env.BENCH_SCENARIOS?.split(',').map((id) => id.trim())
const poolSize = Number(env.BENCH_TOKENS ?? 20_000)
const cachedPoolSize = Number(env.BENCH_CACHED_TOKENS ?? 500)
const longSeconds = Number(env.BENCH_LONG_SECONDS ?? 60)
const layout = createCpuLayout()
const machine = describeMachine()
const startedAt = new Date()

const workDir = mkdtempSync(join(tmpdir(), 'bench-http-')) // tokens, server logs and working directories
const issuer = await startIssuerStub({ audience })
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

const progress = (line: string) => console.log(line)

try {
  const skipBuild = env.BENCH_SKIP_BUILD === '1'
  progress(skipBuild ? 'using the existing apps/api/dist/api (BENCH_SKIP_BUILD=1)' : 'building apps/api/dist/api …')
  const apiBinary = await buildApi(join(repoRoot, 'apps', 'api'), skipBuild)
  // Every executable a server runs, read as an old file (page-cache.ts): RSS is comparable between them.
  const executables = [apiBinary, process.execPath, env.BENCH_BASELINE_BINARY].filter((path) => !!path) as string[]
  const dropped = executables.filter((path) => dropPageCache(path))
  progress(
    dropped.length === executables.length
      ? `cached pages dropped for ${dropped.join(', ')}`
      : `could not drop the cached pages of ${executables.filter((path) => !dropped.includes(path)).join(', ')}: RSS of a binary written just before counts about 4 MB more`,
  )

  // Minted before pinning, so that the signing uses every core.
  progress(`minting ${poolSize.toLocaleString('en-US')} distinct tokens …`)
  const pool = await createTokenPool({ issuer, size: poolSize, claims, dir: workDir })
  const cachedPool = await createTokenPool({
    issuer,
    size: cachedPoolSize,
    claims,
    dir: workDir,
    fileName: 'cached-tokens.txt',
    jtiPrefix: 'cached',
  })
  const scenarios = createScenarios(await mintScenarioTokens(issuer, claims, { pool, cachedPool })).filter(
    (scenario) => onlyScenarios === undefined || onlyScenarios.includes(scenario.id),
  )
  pinThisProcess(layout.load)
  const serverContext = { issuer, audience, apiBinary, workDir }

  const ours = servers.find((server) => server.id === 'ours')
  let ready: ReadyTimes | undefined
  if (ours !== undefined) {
    progress('time to ready: 10 cold starts of the compiled API …')
    ready = await measureReadyTimes(() => ours.spec(serverContext), {
      starts: 10,
      logDir: workDir,
      cpus: layout.server,
    })
  }

  // Scenario by scenario, the servers one after the other: the two figures a ratio divides are taken close together.
  const measurements: Measurement[] = []
  for (const scenario of scenarios) {
    const byServer = new Map<string, Measurement[]>(servers.map((server) => [server.id, []]))
    for (let round = 0; round < rounds; round += 1) {
      for (const server of serverOrder(servers, round)) {
        const result = await measure(scenario, server, { issuer, servers: serverContext, layout, settings })
        byServer.get(server.id)?.push(result)
        const { load } = result
        progress(
          `  ${scenario.id.padEnd(17)} ${server.id.padEnd(6)} ${formatRate(load?.perSecond).padStart(8)} req/s  ` +
            `p50 ${formatMs(load?.p50Ms).padStart(5)} ms  p99 ${formatMs(load?.p99Ms).padStart(6)} ms  ` +
            `CPU ${formatOne(result.cpuMicrosPerRequest).padStart(6)} µs/req  RSS ${formatOne(result.peakRssMb)} MB  ` +
            `JWKS ${result.jwksFetches ?? '-'}${result.problem === undefined ? '' : `  (${result.problem.split('\n')[0]})`}`,
        )
      }
    }
    for (const server of servers) measurements.push(medianRound(byServer.get(server.id) ?? []))
  }

  let rssTraces: RssTrace[] | undefined
  if (env.BENCH_LONG === '1') {
    rssTraces = []
    for (const server of servers) {
      progress(`long run: ${server.id}, ${longSeconds} s of distinct tokens …`)
      rssTraces.push(
        await measureRssTrace(server, { servers: serverContext, pool, settings, layout, seconds: longSeconds }),
      )
    }
  }

  let inProcess: InProcessResult | undefined
  if (env.BENCH_IN_PROCESS !== '0') {
    progress('in-process figures …')
    inProcess = await measureInProcess(issuer, Number(env.BENCH_ITERATIONS ?? 20_000))
  }

  // DPoP next to Bearer (issue 9): a fresh proof per request cannot come from wrk, so this table is in-process (the
  // API's own `bench:dpop`: proofs signed before the clock starts, the replay check with both stores).
  let dpop: string | undefined
  if (env.BENCH_DPOP !== '0') {
    progress('DPoP figures (in-process) …')
    const child = Bun.spawn(pinnedCommand([process.execPath, 'bench/dpop-cost.ts'], layout.server), {
      cwd: join(packageDir, '..', '..', 'apps', 'api'),
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
    dpop = code === 0 ? text.trimEnd() : `bench:dpop failed (exit ${code}): ${await new Response(child.stderr).text()}`
  }

  const pinning =
    layout.server === undefined
      ? `none (CPUs available: ${layout.available.join(',') || 'unknown'}; taskset needs two)`
      : `server on CPU ${layout.server} (\`taskset -c ${layout.server}\`), wrk + issuer stub + this process on CPU ${layout.load}`
  const report = formatReport({
    run: {
      command: describeCommand('bench'),
      argv: ['bun', ...process.execArgv, relative(packageDir, process.argv[1] ?? '')].join(' '),
      date: startedAt.toISOString(),
      bun: `${Bun.version} (${Bun.revision.slice(0, 9)})`,
      wrk: wrkVersion(),
      ...machine,
      pinning,
      settings,
      poolSize: pool.size,
      mintSeconds: pool.mintSeconds,
      rounds,
    },
    measurements,
    ready,
    rssTraces,
    inProcess,
    dpop,
  })
  const resultsDir = join(packageDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  await Bun.write(join(resultsDir, 'latest.md'), report)
  console.log(`\n${report}`)
  console.log(`(written to ${join('benchmarks', 'http', 'results', 'latest.md')})`)
} finally {
  await cleanUp()
}
