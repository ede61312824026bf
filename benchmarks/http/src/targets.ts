// The targets, as data, each printed next to the figure it is about. Not a test: a target missed on a
// noisy machine is a figure to look at, not a failure.
import type { RssTrace } from './long-run.ts'
import type { Measurement } from './measure.ts'
import type { ReadyTimes } from './ready-time.ts'
import { formatMs, formatOne, formatPercent, formatRatio, markdownTable } from './table.ts'

interface RatioTarget {
  readonly label: string
  readonly numerator: readonly [server: string, scenario: string]
  readonly denominator: readonly [server: string, scenario: string]
  /** The ratio should be at least this; undefined: shown for information. */
  readonly atLeast: number | undefined
}

const ratioTargets: readonly RatioTarget[] = [
  {
    label: 'ours: private (one repeated token) / public',
    numerator: ['ours', 'private-repeated'],
    denominator: ['ours', 'public'],
    atLeast: 0.8,
  },
  {
    label: 'private, distinct tokens: ours / raw',
    numerator: ['ours', 'private-distinct'],
    denominator: ['raw', 'private-distinct'],
    atLeast: 1,
  },
  {
    label: 'private, distinct tokens: ours, cache off / raw',
    numerator: ['ours-nocache', 'private-distinct'],
    denominator: ['raw', 'private-distinct'],
    atLeast: undefined,
  },
  {
    label: 'private, distinct tokens that fit in the cache: ours / raw',
    numerator: ['ours', 'private-cached'],
    denominator: ['raw', 'private-cached'],
    atLeast: undefined,
  },
  {
    label: 'private, one repeated token: ours / raw',
    numerator: ['ours', 'private-repeated'],
    denominator: ['raw', 'private-repeated'],
    atLeast: undefined,
  },
  {
    label: 'bad signature (401): ours / raw',
    numerator: ['ours', 'bad-signature'],
    denominator: ['raw', 'bad-signature'],
    atLeast: 1,
  },
  {
    label: 'unknown kid (401): ours / raw',
    numerator: ['ours', 'unknown-kid'],
    denominator: ['raw', 'unknown-kid'],
    atLeast: 1,
  },
  {
    label: 'no token (401): ours / raw',
    numerator: ['ours', 'no-token'],
    denominator: ['raw', 'no-token'],
    atLeast: 1,
  },
  { label: 'public: ours / raw', numerator: ['ours', 'public'], denominator: ['raw', 'public'], atLeast: 0.95 },
]

const verdict = (met: boolean | undefined) => (met === undefined ? '-' : met ? 'met' : 'NOT met')

export interface TargetInputs {
  readonly measurements: readonly Measurement[]
  readonly ready: ReadyTimes | undefined
  readonly rssTraces: readonly RssTrace[] | undefined
}

function find(measurements: readonly Measurement[], server: string, scenario: string): Measurement | undefined {
  return measurements.find((each) => each.server.id === server && each.scenario.id === scenario)
}

const divide = (top: number | undefined, bottom: number | undefined) =>
  top === undefined || bottom === undefined || bottom === 0 ? undefined : top / bottom

function ratioRows(measurements: readonly Measurement[]): string[][] {
  return ratioTargets.map(({ label, numerator, denominator, atLeast }) => {
    const top = find(measurements, ...numerator)
    const bottom = find(measurements, ...denominator)
    const ratio = divide(top?.load?.perSecond, bottom?.load?.perSecond)
    // The same ratio from CPU time per request (bottom's over top's): what one core would sustain, less sensitive
    // than req/s to other work on a shared machine.
    const byCpu = divide(bottom?.cpuMicrosPerRequest, top?.cpuMicrosPerRequest)
    const target = atLeast === undefined ? '-' : `≥ ${atLeast.toFixed(2)}`
    const met = ratio === undefined || atLeast === undefined ? undefined : ratio >= atLeast
    return [label, formatRatio(ratio), formatRatio(byCpu), target, verdict(met)]
  })
}

function otherRows({ measurements, ready, rssTraces }: TargetInputs): string[][] {
  const ours = measurements.filter((each) => each.server.id === 'ours')
  const rows: string[][] = []

  const privateP99 = ours
    .filter((each) => each.scenario.id.startsWith('private-') && each.load !== undefined)
    .map((each) => ({ id: each.scenario.id, p99: each.load?.p99Ms ?? Number.NaN }))
  rows.push([
    'ours: private p99',
    privateP99.map(({ id, p99 }) => `${id} ${formatMs(p99)} ms`).join(', ') || '-',
    '≤ 5 ms',
    verdict(privateP99.length === 0 ? undefined : privateP99.every(({ p99 }) => p99 <= 5)),
  ])

  const peaks = ours.filter((each) => each.peakRssMb !== undefined)
  const peak = peaks.reduce<Measurement | undefined>(
    (most, each) => ((each.peakRssMb ?? 0) > (most?.peakRssMb ?? -1) ? each : most),
    undefined,
  )
  rows.push([
    'ours: peak RSS (highest of all scenarios)',
    peak === undefined ? '-' : `${formatOne(peak.peakRssMb)} MB (${peak.scenario.id})`,
    '≤ 80 MB',
    verdict(peak === undefined ? undefined : (peak.peakRssMb ?? 0) <= 80),
  ])

  const trace = rssTraces?.find((each) => each.server.id === 'ours')
  rows.push([
    'ours: RSS over a 60 s distinct-token run',
    trace === undefined
      ? 'not run (BENCH_LONG=1)'
      : `start ${formatOne(trace.samplesMb[0])}, middle ${formatOne(trace.samplesMb[Math.floor(trace.samplesMb.length / 2)])}, ` +
        `end ${formatOne(trace.samplesMb.at(-1))} MB; max drift ${formatPercent(trace.maxDrift)}`,
    'flat ± 10 %',
    verdict(trace === undefined ? undefined : trace.maxDrift <= 0.1),
  ])

  // Every row starts a fresh server against a key set that never changes: one change (the initial load), one fetch.
  const fetches = ours.filter((each) => each.jwksFetches !== undefined)
  rows.push([
    'ours: JWKS fetches per run (key set loaded once, never changed)',
    fetches.map((each) => `${each.scenario.id} ${each.jwksFetches}`).join(', ') || '-',
    'exactly 1 per key-set change',
    verdict(fetches.length === 0 ? undefined : fetches.every((each) => each.jwksFetches === 1)),
  ])

  rows.push([
    'ours: time to ready (median)',
    ready === undefined ? '-' : `${formatMs(ready.medianMs)} ms`,
    '≤ 100 ms',
    verdict(ready === undefined ? undefined : ready.medianMs <= 100),
  ])
  return rows
}

/** The ratios table and the other targets table, as Markdown lines. */
export function targets(inputs: TargetInputs): string[] {
  return [
    markdownTable(['ratio', 'req/s', 'by CPU µs/req', 'target (req/s)', ''], ratioRows(inputs.measurements), 'lrrll'),
    '',
    markdownTable(['what', 'figure', 'target', ''], otherRows(inputs), 'llll'),
  ]
}
