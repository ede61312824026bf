// The compiled API (`apps/api/dist/api`), built once at the start with the app's own `bun run build`, unless
// BENCH_SKIP_BUILD=1 says the one already there is current.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { trackChild } from './children.ts'

export async function buildApi(apiDir: string, skip: boolean): Promise<string> {
  const binary = join(apiDir, 'dist', 'api')
  if (skip) {
    if (!existsSync(binary)) {
      throw new Error(`BENCH_SKIP_BUILD=1 but ${binary} does not exist: run \`bun run build\` in apps/api first`)
    }
    return binary
  }
  const child = trackChild(
    Bun.spawn([process.execPath, 'run', 'build'], { cwd: apiDir, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }),
  )
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (exitCode !== 0 || !existsSync(binary)) {
    throw new Error(`\`bun run build\` in ${apiDir} failed (exit ${exitCode}):\n${`${stdout}\n${stderr}`.trim()}`)
  }
  return binary
}
