/**
 * Time as a dependency: the clock and the timers a component uses. Tests pass a manual clock and move time
 * forward instead of sleeping; production uses `systemClock`.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `callback` after `ms`; never keeps the process alive on its own. */
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, ms: number) {
    const handle = setTimeout(callback, ms)
    handle.unref?.()
    return handle
  },
  clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
})
