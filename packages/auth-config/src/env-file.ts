import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Environment } from './reader.ts'

/**
 * Parses a dotenv file: `KEY=value`, optional `export `, `#` comments, single or double quotes
 * (double quotes understand `\n`). Enough for configuration; no variable expansion.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (match === null) continue
    const [, key, rest = ''] = match as unknown as [string, string, string]
    let value = rest
    const quote = value[0]
    if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
      value = value.slice(1, value.indexOf(quote, 1))
      if (quote === '"') value = value.replace(/\\n/g, '\n')
    } else {
      value = value.replace(/\s+#.*$/, '').trim()
    }
    result[key] = value
  }
  return result
}

/** The nearest directory at or above `start` whose package.json declares workspaces. */
export function findWorkspaceRoot(start: string): string | undefined {
  let dir = start
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        if ('workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) return dir
      } catch {
        // An unreadable package.json is not a workspace root; keep looking.
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/**
 * The environment the app runs with: the repository root's `.env` (found from `cwd`, so the same
 * whether started at the root or in `apps/api`) under the process variables, which always win.
 */
export function mergeEnvFile(processEnv: Environment, cwd: string): Environment {
  const root = findWorkspaceRoot(cwd) ?? cwd
  const file = join(root, '.env')
  const fromFile = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {}
  const merged: Record<string, string | undefined> = { ...fromFile }
  for (const [key, value] of Object.entries(processEnv)) if (value !== undefined) merged[key] = value
  return merged
}
