// What a reader needs to judge the figures: how they were produced, when, and on what.
import { readFileSync } from 'node:fs'
import { loadavg, release } from 'node:os'

export interface MachineDescription {
  readonly cpuModel: string
  readonly cpuCount: number
  readonly kernel: string
  /** 1-minute load average when the run started: other work on a shared machine shows here. */
  readonly loadAverage: number
}

export function describeMachine(): MachineDescription {
  let cpuinfo = ''
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    // not Linux: the model stays unknown
  }
  const models = [...cpuinfo.matchAll(/^model name\s*:\s*(.+)$/gm)].map((match) => match[1]?.trim() ?? '')
  return {
    cpuModel: models[0] || 'unknown',
    cpuCount: navigator.hardwareConcurrency,
    kernel: `Linux ${release()}`,
    loadAverage: loadavg()[0] ?? Number.NaN,
  }
}

/** The command as typed, e.g. `BENCH_SECONDS=5 bun run bench`, from the `BENCH_*` variables that were set. */
export function describeCommand(script: string, env: Record<string, string | undefined> = process.env): string {
  const settings = Object.entries(env)
    .filter(([name, value]) => name.startsWith('BENCH_') && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
  return [...settings, 'bun run', script].join(' ')
}
