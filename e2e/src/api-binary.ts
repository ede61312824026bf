import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from './repo.ts'

const apiDir = join(repoRoot, 'apps', 'api')

export interface ApiBinary {
  /** Absolute path of `apps/api/dist/api`. */
  readonly path: string
  /** Whether this call built it (true) or found it newer than every source (false). */
  readonly built: boolean
}

/** The newest modification time under `dir` (files and directories, so that a deletion counts too). */
function newestMtime(dir: string): number {
  let newest = statSync(dir).mtimeMs
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/**
 * What the binary is built from: every app's and package's `src` and `package.json` (the build command, as when
 * `--bytecode` was added, and the dependency ranges), and the lockfile (dependency versions).
 */
function newestSourceMtime(): number {
  let newest = statSync(join(repoRoot, 'bun.lock')).mtimeMs
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(join(repoRoot, group))) {
      const src = join(repoRoot, group, name, 'src')
      if (existsSync(src)) newest = Math.max(newest, newestMtime(src))
      const manifest = join(repoRoot, group, name, 'package.json')
      if (existsSync(manifest)) newest = Math.max(newest, statSync(manifest).mtimeMs)
    }
  }
  return newest
}

/**
 * Returns `apps/api/dist/api`, first building it with the app's own `build` script (as the Dockerfile does)
 * if it is missing or older than its sources, so that a test run after `bun run build` does not build twice.
 * Prints one line saying which.
 */
export function ensureApiBinary(): ApiBinary {
  const path = join(apiDir, 'dist', 'api')
  const shown = relative(repoRoot, path)
  const binaryMtime = existsSync(path) ? statSync(path).mtimeMs : undefined
  if (binaryMtime !== undefined && binaryMtime >= newestSourceMtime()) {
    console.log(`e2e: reusing ${shown} (newer than apps/*/src, packages/*/src, their package.json and bun.lock)`)
    return { path, built: false }
  }
  const started = performance.now()
  const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: apiDir, stdout: 'pipe', stderr: 'pipe' })
  if (build.exitCode !== 0) {
    throw new Error(`bun run build in apps/api failed:\n${build.stdout.toString()}${build.stderr.toString()}`)
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const reason = binaryMtime === undefined ? 'it was missing' : 'its sources had changed'
  console.log(`e2e: built ${shown} in ${seconds} s (${reason})`)
  return { path, built: true }
}
