import { parseStringList } from './scopes.ts'
import type { AccessTokenClaims, AccessTokenPrincipal } from './verify-access-token.ts'

/**
 * A set nobody can change after it is made. A principal may be served to many requests from the token cache: a
 * handler that added a scope to its own request's principal would otherwise grant it to every later request with
 * the same token.
 */
class SealedSet<T> extends Set<T> {
  constructor(values: Iterable<T>) {
    super()
    for (const value of values) super.add(value)
    Object.freeze(this)
  }
  override add(): this {
    throw new TypeError('A principal is read-only')
  }
  override delete(): boolean {
    throw new TypeError('A principal is read-only')
  }
  override clear(): void {
    throw new TypeError('A principal is read-only')
  }
}

/**
 * Freezes every object and array of the claims. Iterative: a 16 KiB payload can nest thousands of levels deep,
 * more than a recursive walk should be trusted with.
 */
function deepFreeze(root: object): void {
  const pending: object[] = [root]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    Object.freeze(next)
    for (const value of Object.values(next)) {
      if (typeof value === 'object' && value !== null) pending.push(value)
    }
  }
}

/** The principal of a verified payload: frozen claims, and the scopes and Auth0 RBAC permissions as sealed sets. */
export function createPrincipal(payload: Record<string, unknown>): AccessTokenPrincipal {
  deepFreeze(payload)
  const { permissions } = payload
  return Object.freeze({
    claims: payload as unknown as AccessTokenClaims,
    scopes: new SealedSet(typeof payload.scope === 'string' ? parseStringList(payload.scope) : []),
    permissions: new SealedSet(
      Array.isArray(permissions) ? permissions.filter((p): p is string => typeof p === 'string') : [],
    ),
  })
}
