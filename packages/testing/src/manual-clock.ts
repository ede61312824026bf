/**
 * A clock whose time moves only when a test says so, with timers that fire as it moves. Satisfies the `Clock`
 * that `@repo/access-token` components take, so tests drive refreshes and deadlines instead of sleeping.
 */
export interface ManualClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** Moves time forward, firing each timer that comes due, in order of due time. */
  advance(ms: number): void
  /** Timers waiting to fire. */
  pendingTimers(): number
}

export function createManualClock(start = 1_700_000_000_000): ManualClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => void }>()
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++
      timers.set(id, { at: now + Math.max(0, ms), callback })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    advance(ms) {
      const until = now + ms
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined
        for (const entry of timers)
          if (entry[1].at <= until && (due === undefined || entry[1].at < due[1].at)) due = entry
        if (due === undefined) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].callback()
      }
      now = until
    },
    pendingTimers: () => timers.size,
  }
}
