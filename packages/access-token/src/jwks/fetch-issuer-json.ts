import type { IssuerUnavailableReason } from '../errors.ts'
import type { Clock } from '../time/clock.ts'
import { redactUrl } from './transport-policy.ts'

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
  readonly clock: Clock
  /** One deadline for connecting, the headers and the whole body. */
  readonly timeoutMs: number
  /** Larger answers are refused: a key set or discovery document is a few KiB. */
  readonly maxBytes: number
  /** Aborts the fetch (the key set closing); the promise then rejects. */
  readonly signal?: AbortSignal
}

export interface IssuerJson {
  readonly body: unknown
  /** `Cache-Control: max-age` in seconds; 0 for `no-store`/`no-cache`; undefined when absent. */
  readonly maxAgeSeconds: number | undefined
}

export function parseMaxAge(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(cacheControl)) return 0
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(cacheControl)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/**
 * Reads a body as a stream and stops at `maxBytes`: `response.text()` would buffer an endless answer in full
 * before any length check (an issuer that never ends its answer grew the process to 1.3 GB in six seconds).
 * Bytes are counted, not UTF-16 characters, and invalid UTF-8 is refused rather than replaced.
 */
async function readCapped(response: Response, url: string, maxBytes: number): Promise<string> {
  const tooLarge = () => new IssuerFetchError('invalid_response', `${url} sent more than ${maxBytes} bytes`)
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) throw tooLarge()
      chunks.push(value)
    }
  } catch (cause) {
    void reader.cancel().catch(() => {})
    if (cause instanceof IssuerFetchError) throw cause
    throw new IssuerFetchError('network', `cannot read the answer of ${url}`, { cause })
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, total))
  } catch (cause) {
    throw new IssuerFetchError('invalid_response', `${url} did not send UTF-8`, { cause })
  }
}

/** GETs a JSON document from the issuer with a deadline (body included), a byte cap and classified failures. */
export async function fetchIssuerJson(href: string, options: FetchIssuerJsonOptions): Promise<IssuerJson> {
  const url = redactUrl(href)
  const controller = new AbortController()
  let timer: unknown
  let stop: (error: IssuerFetchError) => void = () => {}
  // Settles on the deadline, or at once when the caller aborts: nothing of this fetch outlives either.
  const deadline = new Promise<never>((_, reject) => {
    stop = (error) => {
      options.clock.clearTimeout(timer)
      controller.abort()
      reject(error)
    }
    timer = options.clock.setTimeout(
      () => stop(new IssuerFetchError('timeout', `no answer from ${url} within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    )
  })
  const onAbort = () => stop(new IssuerFetchError('network', `the fetch of ${url} was abandoned`))
  if (options.signal?.aborted) onAbort()
  options.signal?.addEventListener('abort', onAbort)
  const attempt = (async (): Promise<IssuerJson> => {
    let response: Response
    try {
      // Redirects are refused: the key location is configuration, not something the network decides.
      response = await options.fetch(href, {
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
    const text = await readCapped(response, url, options.maxBytes)
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
    options.clock.clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
    controller.abort()
    attempt.catch(() => {})
  }
}
