// BENCH_LONG=1: memory over a long distinct-token run. A server that keeps something per token (a cache without
// a bound, a replay list) grows here; one with bounded state stays flat. VmRSS is sampled once a second.
import type { CpuLayout } from './cpu-pinning.ts'
import { type LoadSettings, runLoad } from './load.ts'
import { readRssMb } from './proc-stats.ts'
import { startServer } from './server-process.ts'
import type { BenchServer, ServerContext } from './servers.ts'
import type { TokenPool } from './token-pool.ts'

export interface RssTrace {
  readonly server: BenchServer
  readonly seconds: number
  readonly perSecond: number
  /** VmRSS in MB, one sample a second through the measured window (the first at its start). */
  readonly samplesMb: readonly number[]
  /** The largest distance of any sample from the first, as a fraction of the first (0.1 = 10 %). */
  readonly maxDrift: number
  readonly problem?: string
}

export async function measureRssTrace(
  bench: BenchServer,
  options: {
    readonly servers: ServerContext
    readonly pool: TokenPool
    readonly settings: LoadSettings
    readonly layout: CpuLayout
    readonly seconds: number
  },
): Promise<RssTrace> {
  const { servers, pool, settings, layout, seconds } = options
  const server = await startServer(bench.spec(servers), { logDir: servers.workDir, cpus: layout.server })
  const samplesMb: number[] = []
  let timer: ReturnType<typeof setInterval> | undefined
  try {
    const load = await runLoad({
      ...settings,
      seconds,
      url: `${server.baseUrl}/api/private`,
      tokenFile: pool.file,
      expectedStatus: 200,
      cpus: layout.load,
      beforeWindow: () => {
        samplesMb.push(readRssMb(server.pid))
        timer = setInterval(() => samplesMb.push(readRssMb(server.pid)), 1000)
      },
      afterWindow: () => {
        clearInterval(timer)
        samplesMb.push(readRssMb(server.pid))
      },
    })
    const first = samplesMb[0] ?? Number.NaN
    const maxDrift = Math.max(...samplesMb.map((sample) => Math.abs(sample - first) / first))
    const unexpected = [...load.unexpected.values()].reduce((sum, count) => sum + count, 0)
    return {
      server: bench,
      seconds,
      perSecond: load.perSecond,
      samplesMb,
      maxDrift,
      ...(unexpected > 0 ? { problem: `${unexpected} answers with an unexpected status` } : {}),
    }
  } finally {
    clearInterval(timer)
    await server.stop()
  }
}
