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

/** Where a setting came from, for the start-up line that says which issuer and audience are in force. */
export type EnvSource = 'environment' | '.env' | 'default'

export interface LoadedEnvironment {
  readonly env: Environment
  /** Where `name` came from; undefined when it is not set at all. */
  source(name: string): EnvSource | undefined
}

/**
 * The environment the app runs with: the process variables, over the repository root's `.env` (found from `cwd`,
 * so the same whether started at the root or in `apps/api`), over `defaults` (what `bun run dev` supplies).
 */
export function loadEnvironment(
  processEnv: Environment,
  cwd: string,
  defaults: Readonly<Record<string, string>> = {},
): LoadedEnvironment {
  const root = findWorkspaceRoot(cwd) ?? cwd
  const file = join(root, '.env')
  const fromFile = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {}
  const merged: Record<string, string | undefined> = {}
  const sources = new Map<string, EnvSource>()
  const layer = (values: Environment, source: EnvSource) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue
      merged[key] = value
      // A blank value is set, but counts as unset (as the configuration readers treat it): it has no source.
      if (value.trim() === '') sources.delete(key)
      else sources.set(key, source)
    }
  }
  layer(defaults, 'default')
  layer(fromFile, '.env')
  layer(processEnv, 'environment')
  return { env: merged, source: (name) => sources.get(name) }
}

/** `loadEnvironment` without the sources: the process variables over the root `.env`. */
export function mergeEnvFile(processEnv: Environment, cwd: string): Environment {
  return loadEnvironment(processEnv, cwd).env
}
