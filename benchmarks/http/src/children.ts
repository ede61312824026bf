// Every process the benchmarks start (servers, wrk, the build) is registered here, so that one call stops them
// all: at the end of a run, after a failure, and on SIGINT/SIGTERM.
import type { Subprocess } from 'bun'

/** Thrown when a child is started after `stopAllChildren`: the run is being torn down, not failing. */
export class StoppingError extends Error {
  override readonly name = 'StoppingError'
  readonly code = 'BENCH_STOPPING'
  constructor() {
    super('the benchmark is stopping: no new child processes')
  }
}

const running = new Set<Subprocess>()
/** Set by `stopAllChildren`: a run being torn down (a signal, a failure) must not start anything new. */
let stopping = false

/**
 * Registers a child so that `stopAllChildren` stops it; it leaves the set by itself once it exits. Once
 * `stopAllChildren` has been called, the child is killed at once and this throws.
 */
export function trackChild<Child extends Subprocess>(child: Child): Child {
  if (stopping) {
    child.kill('SIGKILL')
    throw new StoppingError()
  }
  running.add(child)
  void child.exited.then(() => running.delete(child))
  return child
}

/** SIGTERM, then SIGKILL after `graceMs` if it is still there. */
export async function stopChild(child: Subprocess, graceMs = 2000): Promise<void> {
  running.delete(child)
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(graceMs).then(() => false)])
  if (!exited) {
    child.kill('SIGKILL')
    await child.exited
  }
}

/** Stops every registered child still running, and any started later; safe to call more than once. */
export async function stopAllChildren(): Promise<void> {
  stopping = true
  await Promise.all([...running].map((child) => stopChild(child)))
}

/**
 * Runs `cleanUp` (which should call `stopAllChildren`) on SIGINT or SIGTERM, then exits with 128 + the signal
 * number, as a shell would report it.
 */
export function cleanUpOnSignals(cleanUp: () => Promise<void>): void {
  const codes = { SIGINT: 130, SIGTERM: 143 } as const
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanUp().finally(() => process.exit(codes[signal]))
    })
  }
}
