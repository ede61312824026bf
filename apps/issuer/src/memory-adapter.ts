import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider'

export interface MemoryAdapterOptions {
  /** Milliseconds since the epoch; injectable for tests. @default Date.now */
  readonly now?: () => number
  /** Entries kept at most; past it, expired entries go first, then the oldest. @default 10_000 */
  readonly maxEntries?: number
}

interface Entry {
  readonly payload: AdapterPayload
  readonly expiresAt: number
}

/**
 * oidc-provider's storage, in this process's memory, one store per provider. oidc-provider's own quick-start
 * adapter is shared by every provider in the process and warns on each start that it is for development only;
 * this issuer is nothing else. What it stores here: DPoP proof `jti`s (replay detection). Tokens are JWTs and
 * the clients are static, so nothing else needs to outlive a request. Bounded, so that a flood of proofs cannot
 * grow memory without limit (at the cost of replay detection for the oldest proofs, in development only).
 */
export function createMemoryAdapter(options: MemoryAdapterOptions = {}): AdapterFactory {
  const now = options.now ?? Date.now
  const maxEntries = options.maxEntries ?? 10_000
  const store = new Map<string, Entry>()

  const read = (key: string): AdapterPayload | undefined => {
    const entry = store.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now()) {
      store.delete(key)
      return undefined
    }
    return entry.payload
  }
  const makeRoom = () => {
    const time = now()
    for (const [key, entry] of store) if (entry.expiresAt <= time) store.delete(key)
    for (const key of store.keys()) {
      if (store.size < maxEntries) break
      store.delete(key)
    }
  }
  const findBy = (model: string, field: 'uid' | 'userCode', value: string) => {
    for (const key of store.keys()) {
      if (!key.startsWith(`${model}:`)) continue
      const payload = read(key)
      if (payload?.[field] === value) return payload
    }
    return undefined
  }

  return function memoryAdapter(model: string): Adapter {
    const keyFor = (id: string) => `${model}:${id}`
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyFor(id)
        store.delete(key)
        if (store.size >= maxEntries) makeRoom()
        const expiresAt = expiresIn === undefined ? Number.POSITIVE_INFINITY : now() + expiresIn * 1000
        store.set(key, { payload, expiresAt })
      },
      async find(id) {
        return read(keyFor(id))
      },
      async findByUid(uid) {
        return findBy(model, 'uid', uid)
      },
      async findByUserCode(userCode) {
        return findBy(model, 'userCode', userCode)
      },
      async consume(id) {
        const payload = read(keyFor(id))
        if (payload !== undefined) payload.consumed = Math.floor(now() / 1000)
      },
      async destroy(id) {
        store.delete(keyFor(id))
      },
      async revokeByGrantId(grantId) {
        for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key)
      },
    }
  }
}
