import type { IssuerUnavailableReason } from '../errors.ts'

/** A fetch failure, classified; the key set turns it into a 503 with the right `Retry-After`. */
export class IssuerFetchError extends Error {
  override name = 'IssuerFetchError'
  constructor(
    readonly reason: IssuerUnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export interface FetchIssuerJsonOptions {
  readonly fetch: typeof fetch
  /** One deadline for connecting, the headers and the whole body. */
  readonly timeoutMs: number
  /** Larger answers are refused: a key set or discovery document is a few KiB. */
  readonly maxBytes: number
}

export interface IssuerJson {
  readonly body: unknown
  /** `Cache-Control: max-age` in seconds; 0 for `no-store`/`no-cache`; undefined when absent. */
  readonly maxAgeSeconds: number | undefined
}

function parseMaxAge(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(cacheControl)) return 0
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(cacheControl)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

async function fetchWithin(url: string, options: FetchIssuerJsonOptions): Promise<IssuerJson> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new IssuerFetchError('timeout', `no answer from ${url} within ${options.timeoutMs} ms`))
    }, options.timeoutMs)
  })
  const attempt = (async () => {
    let response: Response
    try {
      // Redirects are refused: the key location is configuration, not something the network decides.
      response = await options.fetch(url, {
        signal: controller.signal,
        redirect: 'error',
        headers: { accept: 'application/json' },
      })
    } catch (cause) {
      throw new IssuerFetchError('network', `cannot fetch ${url}`, { cause })
    }
    if (response.status !== 200) {
      void response.body?.cancel().catch(() => {})
      throw new IssuerFetchError('http_status', `${url} answered HTTP ${response.status}`)
    }
    const declared = Number(response.headers.get('content-length') ?? 0)
    if (declared > options.maxBytes) throw new IssuerFetchError('invalid_response', `${url} sent too large a document`)
    let text: string
    try {
      text = await response.text()
    } catch (cause) {
      throw new IssuerFetchError('network', `cannot read the answer of ${url}`, { cause })
    }
    if (text.length > options.maxBytes)
      throw new IssuerFetchError('invalid_response', `${url} sent too large a document`)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (cause) {
      throw new IssuerFetchError('invalid_response', `${url} did not send JSON`, { cause })
    }
    return { body, maxAgeSeconds: parseMaxAge(response.headers.get('cache-control')) }
  })()
  try {
    // The race also covers a custom fetch that ignores the abort signal.
    return await Promise.race([attempt, deadline])
  } finally {
    clearTimeout(timer)
    attempt.catch(() => {})
  }
}

/** GETs a JSON document from the issuer with a deadline, a size bound and classified failures. */
export function fetchIssuerJson(url: string, options: FetchIssuerJsonOptions): Promise<IssuerJson> {
  return fetchWithin(url, options)
}
