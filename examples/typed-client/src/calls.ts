import type { ApiClient } from './client.ts'

/** How the API refused a call: the status and its RFC 6750 error (the `WWW-Authenticate` header says the same). */
export interface Refusal {
  readonly status: 400 | 401 | 403 | 503
  readonly error: string
  readonly description: string
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & Refusal)

const refused = <T>(status: Refusal['status'], body: { error: string; error_description: string }): Outcome<T> => ({
  ok: false,
  status,
  error: body.error,
  description: body.error_description,
})

/** GET /api/public: no token needed. */
export async function getPublicMessage(api: ApiClient): Promise<string> {
  const { data, error } = await api.api.public.get()
  if (error !== null) throw new Error(`GET /api/public answered ${error.status}`)
  return data.msg
}

/** GET /api/private: any valid token; its claims. */
export async function getClaims(api: ApiClient): Promise<Outcome<Record<string, unknown>>> {
  const { data, error } = await api.api.private.get()
  if (error === null) return { ok: true, value: data }
  // The statuses the route declares, each with its typed body; no 403 here: any valid token will do.
  switch (error.status) {
    case 400:
    case 401:
    case 503:
      return refused(error.status, error.value)
    default:
      throw new Error(`GET /api/private answered ${error.status}`)
  }
}

/** GET /api/private-scoped: a token with `read:messages`; 403 without it. */
export async function getScopedClaims(api: ApiClient): Promise<Outcome<Record<string, unknown>>> {
  const { data, error } = await api.api['private-scoped'].get()
  if (error === null) return { ok: true, value: data }
  switch (error.status) {
    case 400:
    case 401:
    case 403:
    case 503:
      return refused(error.status, error.value)
    default:
      throw new Error(`GET /api/private-scoped answered ${error.status}`)
  }
}

/** POST /api/messages: a JSON body checked against the route's schema at compile time, `write:messages`. */
export async function postMessage(api: ApiClient, text: string): Promise<Outcome<{ text: string; author: string }>> {
  const { data, error } = await api.api.messages.post({ text })
  if (error === null) {
    // The API's error handlers return `Response` objects, which Elysia's types count as a possible 200 of every
    // route that declares none; this route answers 201.
    if (data instanceof Response) throw new Error(`POST /api/messages answered ${data.status}`)
    return { ok: true, value: data }
  }
  switch (error.status) {
    case 400:
    case 401:
    case 403:
    case 503:
      return refused(error.status, error.value)
    default:
      throw new Error(`POST /api/messages answered ${error.status}`)
  }
}
