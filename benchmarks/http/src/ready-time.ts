// Time to ready: from spawning the compiled API to its first 200 on /healthz, over several cold starts. The port
// comes from the server's `server_started` line (PORT=0), after which /healthz is polled without pause.

import type { ServerSpec } from './server-process.ts'
import { startServer } from './server-process.ts'

export interface ReadyTimes {
  /** Each start, in milliseconds, in the order they ran. */
  readonly startsMs: readonly number[]
  readonly medianMs: number
  readonly minMs: number
  readonly maxMs: number
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** Polls `url` until it answers 200; a refused connection or another status is retried at once. */
async function firstOk(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not accepting yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 in time`)
  }
}

export async function measureReadyTimes(
  spec: () => ServerSpec,
  options: { starts: number; logDir: string; cpus: string | undefined },
): Promise<ReadyTimes> {
  const startsMs: number[] = []
  for (let start = 0; start < options.starts; start += 1) {
    const begun = performance.now()
    const server = await startServer(spec(), { logDir: options.logDir, cpus: options.cpus })
    try {
      await firstOk(`${server.baseUrl}/healthz`, begun + 15_000)
      startsMs.push(performance.now() - begun)
    } finally {
      await server.stop()
    }
  }
  return { startsMs, medianMs: median(startsMs), minMs: Math.min(...startsMs), maxMs: Math.max(...startsMs) }
}
