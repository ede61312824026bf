// Keeps the server under test and the load generator off each other's core: `taskset` for children, and for
// this process (which also hosts the issuer stub). On a machine with a single usable CPU nothing is pinned.
import { readFileSync } from 'node:fs'

/** Which CPUs the server and the load side (wrk, the stub, this process) may use, as `taskset -c` lists. */
export interface CpuLayout {
  readonly server: string | undefined
  readonly load: string | undefined
  /** The CPUs this process could use before pinning, e.g. `0,1`. */
  readonly available: readonly number[]
}

const tasksetPath = Bun.which('taskset')

/** Parses a `taskset -c` list such as `0-2,5` into CPU numbers. */
export function parseCpuList(list: string): number[] {
  return list
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number)
      if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to)) return []
      return Array.from({ length: to - from + 1 }, (_, offset) => from + offset)
    })
}

/** The CPUs this process may run on now (its affinity), from `/proc/self/status`. */
export function availableCpus(): number[] {
  const status = readFileSync('/proc/self/status', 'utf8')
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1]
  return list === undefined ? [] : parseCpuList(list)
}

/** The first available CPU for the server, the second for the load; nothing pinned with fewer than two. */
export function createCpuLayout(available: readonly number[] = availableCpus()): CpuLayout {
  const [server, load] = available
  if (tasksetPath === null || server === undefined || load === undefined) {
    return { server: undefined, load: undefined, available }
  }
  return { server: String(server), load: String(load), available }
}

/** `cmd` run through `taskset -c cpus` (which execs it: the pid stays the command's own). */
export function pinnedCommand(cmd: readonly string[], cpus: string | undefined): string[] {
  if (cpus === undefined || tasksetPath === null) return [...cmd]
  return [tasksetPath, '-c', cpus, ...cmd]
}

/** Pins every thread of this process (and so whatever it starts later without `taskset`) to `cpus`. */
export function pinThisProcess(cpus: string | undefined): void {
  if (cpus === undefined || tasksetPath === null) return
  const result = Bun.spawnSync([tasksetPath, '-a', '-c', '-p', cpus, String(process.pid)], { stdout: 'ignore' })
  if (result.exitCode !== 0) throw new Error(`taskset could not pin this process: ${result.stderr.toString().trim()}`)
}
