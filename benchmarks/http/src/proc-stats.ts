// What the kernel counts for a server process: CPU time and memory, read from /proc. A server may start
// workers of its own, so every figure covers the process and its descendants.
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of the `utime`/`stime` fields (`getconf CLK_TCK`; 100 on Linux in practice). */
const clockTicksPerSecond = (() => {
  const result = Bun.spawnSync(['getconf', 'CLK_TCK'], { stdout: 'pipe', stderr: 'ignore' })
  const ticks = Number(result.stdout.toString().trim())
  return result.exitCode === 0 && ticks > 0 ? ticks : 100
})()

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // the process (or thread) has exited meanwhile
  }
}

/** `pid` and every process below it, from each thread's `children` list. */
export function processTree(pid: number): number[] {
  const tree = [pid]
  for (let at = 0; at < tree.length; at += 1) {
    const parent = tree[at] as number
    let threads: string[] = []
    try {
      threads = readdirSync(`/proc/${parent}/task`)
    } catch {
      continue
    }
    for (const thread of threads) {
      const children = readOrUndefined(`/proc/${parent}/task/${thread}/children`) ?? ''
      for (const child of children.split(' ')) if (child.trim() !== '') tree.push(Number(child))
    }
  }
  return tree
}

/** User plus system CPU time of one process, all threads, in microseconds (fields 14 and 15 of `stat`). */
function cpuMicros(pid: number): number {
  const stat = readOrUndefined(`/proc/${pid}/stat`)
  if (stat === undefined) return 0
  // The command name (field 2) is in parentheses and may contain spaces: count fields after the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15; this list starts at 3)
  return (ticks * 1_000_000) / clockTicksPerSecond
}

/** A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in kilobytes; 0 when absent. */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readOrUndefined(`/proc/${pid}/status`) ?? ''
  return Number(new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0)
}

/** CPU time used so far by `pid` and its descendants, in microseconds (the resolution is one clock tick). */
export function readCpuMicros(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + cpuMicros(each), 0)
}

/** Resident memory now, in megabytes (MiB), summed over `pid` and its descendants. */
export function readRssMb(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + statusKb(each, 'VmRSS'), 0) / 1024
}

/**
 * Peak resident memory (`VmHWM`) since each process started, in megabytes (MiB), summed over `pid` and its
 * descendants (a sum of peaks: an upper bound when there are several processes).
 */
export function readPeakRssMb(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + statusKb(each, 'VmHWM'), 0) / 1024
}
