// One cell of the results: a fresh server for one scenario, a sample request to check the status, then the
// warm-up and the measured window, with the server's CPU time, peak memory and JWKS traffic around it.
import type { IssuerStub } from '@repo/testing'
import { StoppingError } from './children.ts'
import type { CpuLayout } from './cpu-pinning.ts'
import { type LoadResult, type LoadSettings, runLoad } from './load.ts'
import { readCpuMicros, readPeakRssMb } from './proc-stats.ts'
import { type Scenario, sampleAuthorization } from './scenarios.ts'
import { type RunningServer, startServer } from './server-process.ts'
import type { BenchServer, ServerContext } from './servers.ts'

export interface MeasureContext {
  readonly issuer: IssuerStub
  readonly servers: ServerContext
  readonly layout: CpuLayout
  readonly settings: LoadSettings
}

export interface Measurement {
  readonly scenario: Scenario
  readonly server: BenchServer
  /** What one request before the load answered. */
  readonly sampleStatus?: number
  readonly load?: LoadResult
  /** Server CPU time (user + system) in the measured window divided by its answers. */
  readonly cpuMicrosPerRequest?: number
  /** VmHWM at the end of the window: the most the server held at once since it started. */
  readonly peakRssMb?: number
  /** JWKS requests the stub served from the server's start to the end of the window. */
  readonly jwksFetches?: number
  /** Why some figures are missing or not to be trusted. */
  readonly problem?: string
  /** With `BENCH_ROUNDS` > 1: how many rounds this row is the median of, and their CPU µs per request. */
  readonly rounds?: number
  readonly cpuRange?: readonly [number, number]
  /** With `BENCH_ROUNDS` > 1: the range of the rounds' p99 latencies (a spike in one round shows beside the row's). */
  readonly p99Range?: readonly [number, number]
}

/** Sends one request as the scenario would and returns its status. */
async function sample(server: RunningServer, scenario: Scenario): Promise<number> {
  const authorization = sampleAuthorization(scenario.credential)
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
  const response = await fetch(`${server.baseUrl}${scenario.path}`, { headers })
  await response.arrayBuffer()
  return response.status
}

export async function measure(scenario: Scenario, bench: BenchServer, context: MeasureContext): Promise<Measurement> {
  const { issuer, layout, settings } = context
  const jwksBefore = issuer.jwksRequests
  // A server that shares the machine (the workers row) runs on every CPU, and so does its load: measured as it is.
  const shared = bench.cpus === 'all' && layout.server !== undefined ? layout.available.join(',') : undefined
  let server: RunningServer
  try {
    server = await startServer(bench.spec(context.servers), {
      logDir: context.servers.workDir,
      cpus: shared ?? layout.server,
    })
  } catch (error) {
    if (error instanceof StoppingError) throw error
    return { scenario, server: bench, problem: `did not start: ${(error as Error).message}` }
  }
  try {
    const sampleStatus = await sample(server, scenario)
    const credential = scenario.credential
    let cpuBefore = 0
    let cpuAfter = 0
    let peakRssMb = 0
    const load = await runLoad({
      ...settings,
      url: `${server.baseUrl}${scenario.path}`,
      headers: credential.kind === 'header' ? { Authorization: credential.authorization } : {},
      tokenFile: credential.kind === 'pool' ? credential.pool.file : undefined,
      expectedStatus: scenario.expectedStatus,
      cpus: shared ?? layout.load,
      beforeWindow: () => {
        cpuBefore = readCpuMicros(server.pid)
      },
      afterWindow: () => {
        cpuAfter = readCpuMicros(server.pid)
        peakRssMb = readPeakRssMb(server.pid)
      },
    })
    const problem =
      sampleStatus === scenario.expectedStatus
        ? undefined
        : `the sample request got ${sampleStatus}, expected ${scenario.expectedStatus}`
    return {
      scenario,
      server: bench,
      sampleStatus,
      load,
      cpuMicrosPerRequest: load.requests > 0 ? (cpuAfter - cpuBefore) / load.requests : Number.NaN,
      peakRssMb,
      jwksFetches: issuer.jwksRequests - jwksBefore,
      ...(problem === undefined ? {} : { problem }),
    }
  } catch (error) {
    if (error instanceof StoppingError) throw error
    return { scenario, server: bench, problem: `${(error as Error).message}\n${await server.output()}` }
  } finally {
    await server.stop()
  }
}
