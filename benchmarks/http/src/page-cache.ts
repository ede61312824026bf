// A file written moments ago sits in the page cache in large folios, and a process that maps it counts whole folios
// in its RSS: the compiled API measured 60.7 MB at rest as a fresh copy, against 56.2–56.8 MB for the same bytes
// written earlier, or once its cached pages were dropped (2026-11-30, five starts each, alternating). `bun run bench`
// builds the API just before it starts it, so without this its RSS counted about 4 MB that an older binary's (the
// baseline's, or Bun's own for the raw server) did not.
import { closeSync, fsyncSync, openSync } from 'node:fs'

/**
 * Writes the file back and drops its cached pages (`dd iflag=nocache`: `posix_fadvise(POSIX_FADV_DONTNEED)`), so
 * that a process started from it reads it as one that has been on disk a while. Returns false when it could not.
 */
export function dropPageCache(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  const dd = Bun.spawnSync(['dd', `if=${path}`, 'iflag=nocache', 'count=0', 'status=none'], {
    stdout: 'ignore',
    stderr: 'ignore',
  })
  return dd.exitCode === 0
}
