import { parseStringList } from './scopes.ts'
import type { AccessTokenClaims, AccessTokenPrincipal } from './verify-access-token.ts'

/**
 * A set nobody can change after it is made. A principal may be served to many requests from the token cache: a
 * handler that added a scope to its own request's principal would otherwise grant it to every later request with
 * the same token. Not a `Set` subclass: a frozen `Set` keeps its entries in internal slots that `Object.freeze` does
 * not reach, so `Set.prototype.add.call(scopes, …)` would still have changed it. The values live in a private `Set`
 * that never leaves this object; what the set methods return are new sets of the caller's own.
 */
class SealedSet<T> implements ReadonlySet<T> {
  readonly #values: Set<T>
  constructor(values: Iterable<T>) {
    this.#values = new Set(values)
    Object.freeze(this)
  }
  get size(): number {
    return this.#values.size
  }
  has(value: T): boolean {
    return this.#values.has(value)
  }
  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (const value of this.#values) callback.call(thisArg, value, value, this)
  }
  entries(): SetIterator<[T, T]> {
    return this.#values.entries()
  }
  keys(): SetIterator<T> {
    return this.#values.keys()
  }
  values(): SetIterator<T> {
    return this.#values.values()
  }
  [Symbol.iterator](): SetIterator<T> {
    return this.#values.values()
  }
  union<U>(other: ReadonlySetLike<U>): Set<T | U> {
    return this.#values.union(other)
  }
  intersection<U>(other: ReadonlySetLike<U>): Set<T & U> {
    return this.#values.intersection(other)
  }
  difference<U>(other: ReadonlySetLike<U>): Set<T> {
    return this.#values.difference(other)
  }
  symmetricDifference<U>(other: ReadonlySetLike<U>): Set<T | U> {
    return this.#values.symmetricDifference(other)
  }
  isSubsetOf(other: ReadonlySetLike<unknown>): boolean {
    return this.#values.isSubsetOf(other)
  }
  isSupersetOf(other: ReadonlySetLike<unknown>): boolean {
    return this.#values.isSupersetOf(other)
  }
  isDisjointFrom(other: ReadonlySetLike<unknown>): boolean {
    return this.#values.isDisjointFrom(other)
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
