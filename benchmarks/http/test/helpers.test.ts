import { describe, expect, test } from 'bun:test'
import { createCpuLayout, parseCpuList, pinnedCommand } from '../src/cpu-pinning.ts'
import { describeCommand } from '../src/environment.ts'
import { loadSettingsFromEnv } from '../src/load.ts'
import type { Measurement } from '../src/measure.ts'
import { median } from '../src/ready-time.ts'
import { medianRound, roundsFromEnv, serverOrder } from '../src/rounds.ts'
import { markdownTable } from '../src/table.ts'

describe('CPU pinning', () => {
  test('parses taskset lists', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5])
    expect(parseCpuList('1')).toEqual([1])
  })

  test('pins nothing with a single CPU', () => {
    const layout = createCpuLayout([3])
    expect(layout.server).toBeUndefined()
    expect(pinnedCommand(['wrk', '-v'], layout.server)).toEqual(['wrk', '-v'])
  })

  test.skipIf(Bun.which('taskset') === null)('server on the first available CPU, load on the second', () => {
    const layout = createCpuLayout([2, 3, 4])
    expect([layout.server, layout.load]).toEqual(['2', '3'])
    expect(pinnedCommand(['wrk'], layout.load).slice(1)).toEqual(['-c', '3', 'wrk'])
  })
})

describe('loadSettingsFromEnv', () => {
  test('defaults: 50 connections, 1 thread, 3 s warm-up, 10 s measured', () => {
    expect(loadSettingsFromEnv({})).toEqual({ connections: 50, threads: 1, warmupSeconds: 3, seconds: 10 })
  })

  test('overrides, and a zero warm-up', () => {
    const env = { BENCH_CONNECTIONS: '8', BENCH_WARMUP_SECONDS: '0', BENCH_SECONDS: '2' }
    expect(loadSettingsFromEnv(env)).toMatchObject({ connections: 8, warmupSeconds: 0, seconds: 2 })
  })

  test('names the variable it cannot use', () => {
    expect(() => loadSettingsFromEnv({ BENCH_SECONDS: '0' })).toThrow('BENCH_SECONDS')
    expect(() => loadSettingsFromEnv({ BENCH_CONNECTIONS: 'many' })).toThrow('BENCH_CONNECTIONS')
  })
})

test('median of odd and even counts', () => {
  expect(median([5, 1, 3])).toBe(3)
  expect(median([4, 1, 3, 2])).toBe(2.5)
  expect(median([])).toBeNaN()
})

test('describeCommand shows the BENCH_ variables that were set', () => {
  expect(describeCommand('bench', { BENCH_SECONDS: '5', PATH: '/bin', BENCH_LONG: '1' })).toBe(
    'BENCH_LONG=1 BENCH_SECONDS=5 bun run bench',
  )
})

test('markdownTable aligns columns and escapes pipes', () => {
  expect(markdownTable(['name', 'n'], [['a|b', '10']], 'lr')).toBe(
    ['| name |   n |', '| ---- | --: |', '| a\\|b |  10 |'].join('\n'),
  )
})

describe('rounds', () => {
  const row = (cpu: number | undefined, rss = 70, p99?: number): Measurement =>
    ({
      cpuMicrosPerRequest: cpu,
      peakRssMb: rss,
      ...(p99 === undefined ? {} : { load: { p99Ms: p99 } }),
    }) as unknown as Measurement

  test('BENCH_ROUNDS: 1 by default, a whole number from 1 to 9', () => {
    expect(roundsFromEnv(undefined)).toBe(1)
    expect(roundsFromEnv('3')).toBe(3)
    for (const bad of ['0', '10', '1.5', 'many']) expect(() => roundsFromEnv(bad)).toThrow('BENCH_ROUNDS')
  })

  test('servers alternate their order round by round', () => {
    expect([0, 1, 2].map((round) => serverOrder(['ours', 'raw'], round))).toEqual([
      ['ours', 'raw'],
      ['raw', 'ours'],
      ['ours', 'raw'],
    ])
  })

  test('a row is the round with the median CPU figure, kept whole, with the range of all rounds', () => {
    const median = medianRound([row(20, 81), row(14, 75), row(16, 78)])
    expect(median).toMatchObject({ cpuMicrosPerRequest: 16, peakRssMb: 78, rounds: 3, cpuRange: [14, 20] })
    // Even counts take the lower middle; a round without a figure sorts last.
    expect(medianRound([row(undefined), row(30), row(10), row(20)])).toMatchObject({ cpuMicrosPerRequest: 20 })
    // One round is reported as it is.
    expect(medianRound([row(12)])).toEqual(row(12))
  })

  test("the p99 of every round is kept as a range beside the chosen round's", () => {
    const median = medianRound([row(20, 70, 3.1), row(14, 70, 16), row(16, 70, 2.9)])
    expect(median).toMatchObject({ cpuMicrosPerRequest: 16, load: { p99Ms: 2.9 }, p99Range: [2.9, 16] })
    // Rounds without a load result (a server that failed) count for neither.
    expect(medianRound([row(20), row(14, 70, 4), row(16)])).toMatchObject({ p99Range: [4, 4] })
    expect(medianRound([row(20), row(14)])).not.toHaveProperty('p99Range')
  })
})
