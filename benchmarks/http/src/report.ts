// Turns the measurements into the Markdown report: the figures per scenario and server, the ratios and targets
// (printed beside the figures, never asserted), time to ready, the optional long run and the in-process table.
import type { InProcessResult } from './in-process.ts'
import type { LoadSettings } from './load.ts'
import type { RssTrace } from './long-run.ts'
import type { Measurement } from './measure.ts'
import type { ReadyTimes } from './ready-time.ts'
import { formatMs, formatOne, formatPercent, formatRate, markdownTable } from './table.ts'
import { targets } from './targets.ts'

export interface RunDescription {
  readonly command: string
  readonly argv: string
  readonly date: string
  readonly bun: string
  readonly wrk: string
  readonly cpuModel: string
  readonly cpuCount: number
  readonly kernel: string
  readonly loadAverage: number
  readonly pinning: string
  readonly settings: LoadSettings
  readonly poolSize: number
  readonly mintSeconds: number
  /** `BENCH_ROUNDS`. */
  readonly rounds: number
}

export interface BenchReport {
  readonly run: RunDescription
  readonly measurements: readonly Measurement[]
  readonly ready: ReadyTimes | undefined
  /** Undefined when BENCH_LONG was not set. */
  readonly rssTraces: readonly RssTrace[] | undefined
  readonly inProcess: InProcessResult | undefined
  /** The API's `bench:dpop` output: DPoP requests next to Bearer ones, in-process; undefined with BENCH_DPOP=0. */
  readonly dpop?: string | undefined
}

function unexpectedCell(measurement: Measurement): string {
  const notes: string[] = []
  const { load, sampleStatus, scenario } = measurement
  if (sampleStatus !== undefined && sampleStatus !== scenario.expectedStatus) notes.push(`sample ${sampleStatus}`)
  if (load !== undefined) {
    for (const [status, count] of load.unexpected) notes.push(`${count.toLocaleString('en-US')}×${status}`)
    if (load.failures > 0) notes.push(`${load.failures} socket errors`)
  }
  if (load === undefined) notes.push('not measured')
  return notes.join(', ') || '0'
}

function figuresTable(measurements: readonly Measurement[]): string {
  const header = [
    'scenario',
    'server',
    'status',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'peak RSS MB',
    'JWKS fetches',
    'unexpected',
  ]
  const rows = measurements.map((measurement) => [
    measurement.scenario.label,
    measurement.server.label,
    String(measurement.scenario.expectedStatus),
    formatRate(measurement.load?.perSecond),
    formatMs(measurement.load?.p50Ms),
    withRange(formatMs(measurement.load?.p99Ms), measurement.p99Range, formatMs),
    withRange(formatOne(measurement.cpuMicrosPerRequest), measurement.cpuRange, formatOne),
    formatOne(measurement.peakRssMb),
    measurement.jwksFetches === undefined ? '-' : String(measurement.jwksFetches),
    unexpectedCell(measurement),
  ])
  return markdownTable(header, rows, 'llrrrrrrrl')
}

/** A figure, and the range of all rounds beside it when there were several. */
function withRange(
  figure: string,
  range: readonly [number, number] | undefined,
  format: (value: number) => string,
): string {
  return range === undefined ? figure : `${figure} (${format(range[0])}–${format(range[1])})`
}

function readyLines(ready: ReadyTimes | undefined): string[] {
  if (ready === undefined) return ['Not measured (the compiled API was not among BENCH_SERVERS).']
  return [
    `Compiled API, spawn → first 200 on \`/healthz\`, ${ready.startsMs.length} cold starts: ` +
      `**median ${formatMs(ready.medianMs)} ms** (min ${formatMs(ready.minMs)}, max ${formatMs(ready.maxMs)}).`,
    `Each start: ${ready.startsMs.map((ms) => formatMs(ms)).join(', ')} ms.`,
  ]
}

function rssLines(traces: readonly RssTrace[] | undefined): string[] {
  if (traces === undefined) return ['Not run: set `BENCH_LONG=1` for a 60 s distinct-token run per server.']
  const rows = traces.map((trace) => {
    const samples = trace.samplesMb
    const middle = samples[Math.floor(samples.length / 2)]
    return [
      trace.server.label,
      `${trace.seconds} s`,
      formatRate(trace.perSecond),
      formatOne(samples[0]),
      formatOne(middle),
      formatOne(samples.at(-1)),
      formatPercent(trace.maxDrift),
      trace.problem ?? '',
    ]
  })
  const header = ['server', 'window', 'req/s', 'RSS start MB', 'RSS middle MB', 'RSS end MB', 'max drift', 'note']
  return [markdownTable(header, rows, 'lrrrrrrl')]
}

function inProcessLines(result: InProcessResult | undefined): string[] {
  if (result === undefined) return ['Not run (`BENCH_IN_PROCESS=0`).']
  const rows = result.rows.map((row) => [row.name, formatRate(row.perSecond), formatOne(row.microsPerCall)])
  return [
    `One call at a time through \`app.handle\` (no sockets, no HTTP parsing), ${result.iterations.toLocaleString('en-US')} ` +
      `calls each after a warm-up, in the benchmark's own process; JWKS fetches during it: ${result.jwksFetches}.`,
    '',
    markdownTable(['path', 'calls/s', 'µs/call'], rows, 'lrr'),
  ]
}

export function formatReport(report: BenchReport): string {
  const { run } = report
  const { settings } = run
  const lines = [
    '# HTTP benchmark',
    '',
    `- command: \`${run.command}\` (runs \`${run.argv}\` in benchmarks/http)`,
    `- date: ${run.date}`,
    `- Bun ${run.bun}; ${run.wrk}`,
    `- CPU: ${run.cpuModel}, ${run.cpuCount} CPUs; ${run.kernel}; load average at start ${run.loadAverage.toFixed(2)}`,
    `- pinning: ${run.pinning}`,
    `- load: wrk, ${settings.connections} keep-alive connections, ${settings.threads} thread; ` +
      `${settings.warmupSeconds} s warm-up then ${settings.seconds} s measured; a fresh server for every row`,
    `- distinct tokens: a pool of ${run.poolSize.toLocaleString('en-US')} RS256 tokens ` +
      `(minted in ${run.mintSeconds.toFixed(1)} s), cycled`,
    ...(run.rounds > 1
      ? [
          `- rounds: ${run.rounds} per row, the servers of a scenario in alternating order; each row is the round ` +
            'with the median CPU µs/req, the range of all rounds in brackets',
        ]
      : []),
    '',
    '## Figures',
    '',
    figuresTable(report.measurements),
    '',
    'CPU µs/req: the server’s user + system time over the measured window, divided by its answers. Peak RSS: VmHWM',
    'at the end of the window. JWKS fetches: served by the issuer stub from the server’s start to the end of the',
    'window (one is the initial load). Unexpected: answers in the window with another status, and socket errors.',
    '',
    '## Ratios and targets (printed, never asserted)',
    '',
    ...targets(report),
    '',
    '## Time to ready',
    '',
    ...readyLines(report.ready),
    '',
    '## Memory over a long distinct-token run',
    '',
    ...rssLines(report.rssTraces),
    '',
    '## In-process (secondary)',
    '',
    ...inProcessLines(report.inProcess),
    '',
    '## DPoP next to Bearer (in-process)',
    '',
    ...(report.dpop === undefined ? ['Not run (`BENCH_DPOP=0`).'] : ['```text', report.dpop, '```']),
  ]
  const problems = report.measurements.filter((measurement) => measurement.problem !== undefined)
  if (problems.length > 0) {
    lines.push('', '## Problems', '')
    for (const { scenario, server, problem } of problems) lines.push(`- ${scenario.id} / ${server.id}: ${problem}`)
  }
  return `${lines.join('\n')}\n`
}
