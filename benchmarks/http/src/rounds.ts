// `BENCH_ROUNDS=N`: every row measured N times, the servers of a scenario in alternating order round by round (so
// that none always runs first, after the pool's minting or a neighbour's load), and reported as the round with the
// median CPU µs per request, with the range of all rounds beside it. On this shared machine one measurement of a row
// moved 10–20 % between runs (docs/performance.md): a change smaller than that shows only in several rounds.
import type { Measurement } from './measure.ts'

/** `BENCH_ROUNDS`: a whole number from 1 (the default) to 9. */
export function roundsFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 1
  const rounds = Number(value)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) {
    throw new TypeError(`BENCH_ROUNDS must be a whole number from 1 to 9, not "${value}"`)
  }
  return rounds
}

/** The order of the servers in round `round` (from 0): as given, then reversed, and so on. */
export function serverOrder<T>(servers: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...servers] : [...servers].reverse()
}

/** The smallest and largest of the figures that are there; undefined when none is. */
function rangeOf(figures: readonly (number | undefined)[]): readonly [number, number] | undefined {
  const present = figures.filter((figure): figure is number => figure !== undefined)
  return present.length === 0 ? undefined : [Math.min(...present), Math.max(...present)]
}

/**
 * One row from the rounds of one scenario and server: the round with the median CPU µs per request (the lower of
 * the two middle ones for an even count; rounds without a figure sort last), its figures kept together, and the
 * ranges of CPU µs per request and of p99 over the rounds.
 */
export function medianRound(rounds: readonly Measurement[]): Measurement {
  if (rounds.length === 0) throw new TypeError('no rounds')
  if (rounds.length === 1) return rounds[0] as Measurement
  const cpu = (measurement: Measurement) => measurement.cpuMicrosPerRequest ?? Number.POSITIVE_INFINITY
  const sorted = [...rounds].sort((a, b) => cpu(a) - cpu(b))
  const chosen = sorted[Math.floor((sorted.length - 1) / 2)] as Measurement
  const cpuRange = rangeOf(rounds.map((measurement) => measurement.cpuMicrosPerRequest))
  const p99Range = rangeOf(rounds.map((measurement) => measurement.load?.p99Ms))
  return {
    ...chosen,
    rounds: rounds.length,
    ...(cpuRange === undefined ? {} : { cpuRange }),
    ...(p99Range === undefined ? {} : { p99Range }),
  }
}
