/** One offending variable: its name, what is wrong, and an example of a good value. */
export interface ConfigProblem {
  readonly variable: string
  readonly problem: string
  readonly example: string
}

/** Configuration that cannot be used; `message` is one line naming every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration: ${problems.map((p) => `${p.variable} ${p.problem} (e.g. ${p.variable}=${p.example})`).join('; ')}`,
    )
  }
}

export type Environment = Readonly<Record<string, string | undefined>>

/** A variable's value, trimmed; blank counts as unset. */
export const read = (env: Environment, name: string) => {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

/** A collector, so that every problem is reported at once rather than the first one only. */
export class Reader {
  readonly problems: ConfigProblem[] = []
  readonly warnings: string[] = []
  constructor(readonly env: Environment) {}

  fail(variable: string, problem: string, example: string): undefined {
    this.problems.push({ variable, problem, example })
    return undefined
  }

  integer(variable: string, fallback: number, min: number, max: number, example: string): number {
    const raw = read(this.env, variable)
    if (raw === undefined) return fallback
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.fail(variable, `must be a whole number from ${min} to ${max}`, example)
      return fallback
    }
    return Number(raw)
  }

  flag(variable: string): boolean {
    const raw = read(this.env, variable)?.toLowerCase()
    if (raw === undefined || raw === 'false' || raw === '0') return false
    if (raw === 'true' || raw === '1') return true
    this.fail(variable, 'must be true or false', 'true')
    return false
  }

  /** A comma-separated list whose members must all be among `allowed`; duplicates dropped. */
  list<T extends string>(variable: string, allowed: readonly T[], fallback: readonly T[], example: string): T[] {
    const raw = read(this.env, variable)
    if (raw === undefined) return [...fallback]
    const list = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
    if (list.length === 0 || list.some((item) => !(allowed as readonly string[]).includes(item))) {
      this.fail(variable, `must list asymmetric algorithms among ${allowed.join(', ')}`, example)
      return [...fallback]
    }
    return [...new Set(list)] as T[]
  }
}
