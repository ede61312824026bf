/** A route as Elysia lists it (`app.routes`). */
export interface RouteEntry {
  readonly method: string
  readonly path: string
}

/**
 * Which methods the app serves a path with, from its own route table: the `Allow` of a 405 answer (RFC 9110
 * §15.5.6) for a known path asked with another method. Compiled once, on the first miss.
 */
export function createAllowedMethods(routes: () => readonly RouteEntry[]): (path: string) => string[] {
  let compiled: { pattern: RegExp; methods: Set<string> }[] | undefined
  const compile = () => {
    const byPath = new Map<string, Set<string>>()
    for (const { method, path } of routes()) {
      if (method === 'ALL' || method === 'WS') continue
      const methods = byPath.get(path) ?? new Set<string>()
      methods.add(method)
      byPath.set(path, methods)
    }
    return [...byPath].map(([path, methods]) => ({ pattern: toPattern(path), methods }))
  }
  return (path) => {
    compiled ??= compile()
    const allowed = new Set<string>()
    for (const { pattern, methods } of compiled)
      if (pattern.test(path)) for (const method of methods) allowed.add(method)
    return [...allowed].sort()
  }
}

/** Elysia's path syntax (`:param`, `:param?`, `*`) as an anchored regular expression. */
function toPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*'
      if (segment.startsWith(':')) return segment.endsWith('?') ? '[^/]*' : '[^/]+'
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return new RegExp(`^${source}/?$`)
}
