import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'

/** oidc-provider refuses token request bodies over 56 KiB; so does this, without reading further. */
const MAX_BODY_BYTES = 56 * 1024

export interface Auth0TokenRequestOptions {
  /** The token endpoint's path (`/oauth/token`, as at Auth0). */
  readonly tokenPath: string
  /** Every scope each client may have, by client_id: a client_credentials request without `scope` gets them. */
  readonly clientScopes: ReadonlyMap<string, readonly string[]>
}

class BodyError extends Error {}

const FORM = 'application/x-www-form-urlencoded'

function contentTypeOf(req: IncomingMessage): 'json' | 'form' | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'application/json') return 'json'
  if (type === FORM) return 'form'
  return undefined
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BodyError('the request body is too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

/** Auth0 takes JSON token requests; oidc-provider reads forms only. Strings only, as in a form. */
function jsonToForm(text: string): URLSearchParams {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new BodyError('the request body is not valid JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BodyError('the request body must be a JSON object')
  }
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new BodyError(`the "${key.slice(0, 40)}" parameter must be a string`)
    form.append(key, value)
  }
  return form
}

/** The client_id of HTTP Basic client authentication (RFC 6749 §2.3.1), if that is how the client authenticates. */
function basicClientId(authorization: string | undefined): string | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '))
  } catch {
    return undefined
  }
}

/** Auth0's parameters spoken as oidc-provider's: `audience` is the RFC 8707 `resource`, no `scope` is every scope. */
function toOidcProviderParams(form: URLSearchParams, req: IncomingMessage, options: Auth0TokenRequestOptions) {
  if (!form.has('resource')) for (const audience of form.getAll('audience')) form.append('resource', audience)
  form.delete('audience')
  if (form.get('grant_type') === 'client_credentials' && !form.get('scope')) {
    const clientId = form.get('client_id') ?? basicClientId(req.headers.authorization)
    const scopes = clientId === undefined ? undefined : options.clientScopes.get(clientId)
    form.delete('scope')
    if (scopes !== undefined && scopes.length > 0) form.set('scope', scopes.join(' '))
  }
}

/**
 * The request as oidc-provider expects it: an unread stream holding a form body, with headers that match it.
 * (Handing it an already-read request makes it fall back to `req.body` with a warning.) Koa reads `method`,
 * `url`, `headers`, `socket` and `httpVersion*` from it; oidc-provider reads the stream.
 */
function withFormBody(req: IncomingMessage, form: URLSearchParams): IncomingMessage {
  const body = Buffer.from(form.toString())
  const headers = { ...req.headers, 'content-type': FORM, 'content-length': String(body.length) }
  delete headers['transfer-encoding']
  const rewritten = Object.assign(Readable.from([body]), {
    method: req.method,
    url: req.url,
    headers,
    socket: req.socket,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
  })
  return rewritten as unknown as IncomingMessage
}

async function translate(req: IncomingMessage, type: 'json' | 'form', options: Auth0TokenRequestOptions) {
  const text = (await readBody(req)).toString('utf8')
  const form = type === 'json' ? jsonToForm(text) : new URLSearchParams(text)
  toOidcProviderParams(form, req, options)
  return form
}

function refuse(res: ServerResponse, description: string) {
  res.writeHead(400, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
  })
  res.end(JSON.stringify({ error: 'invalid_request', error_description: description }))
}

/**
 * Auth0's token request in front of oidc-provider: JSON or form bodies, `audience` for `resource`, and every
 * allowed scope when none is asked for (Auth0's client_credentials behaviour). Other requests pass untouched.
 */
export function createAuth0TokenRequestListener(
  options: Auth0TokenRequestOptions,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): RequestListener {
  return function auth0TokenRequest(req, res) {
    const type = contentTypeOf(req)
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'POST' || path !== options.tokenPath || type === undefined) return next(req, res)
    translate(req, type, options).then(
      (form) => next(withFormBody(req, form), res),
      (error: unknown) => {
        if (error instanceof BodyError) return refuse(res, error.message)
        // The client went away mid-body: nobody to answer.
        res.destroy()
      },
    )
  }
}
