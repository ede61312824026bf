import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createManualClock, type IssuerStub, startIssuerStub } from '@repo/testing'
import { fetchIssuerJson, IssuerFetchError } from '../src/jwks/fetch-issuer-json.ts'
import { systemClock } from '../src/time/clock.ts'

const maxBytes = 512 * 1024
let issuer: IssuerStub
beforeAll(async () => {
  issuer = await startIssuerStub()
})
afterAll(() => issuer.close())
afterEach(() => {
  issuer.mode = 'ok'
})

/** A one-route server on 127.0.0.1:0 answering with `respond`. */
async function serving(respond: () => Response) {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: respond })
  return { url: `http://127.0.0.1:${server.port}/doc`, stop: () => server.stop(true) }
}

const options = { fetch, clock: systemClock, timeoutMs: 5_000, maxBytes }

/** A fetch that counts the body bytes its caller pulls. */
function countingFetch() {
  let bytes = 0
  const counting = (async (input: string, init?: RequestInit) => {
    const response = await fetch(input, init)
    const counted = response.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.byteLength
          controller.enqueue(chunk)
        },
      }),
    )
    return new Response(counted, { status: response.status, headers: response.headers })
  }) as typeof fetch
  return { fetch: counting, bytesRead: () => bytes }
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    if (!(error instanceof IssuerFetchError)) throw error
    return error.reason
  }
}

describe('fetchIssuerJson: the size cap', () => {
  test('an endless body without Content-Length is cut at the cap, not read to the end', async () => {
    issuer.mode = 'endless'
    let bytesRead = 0
    // Counts what the reader actually takes from the body.
    const countingFetch = (async (input: string, init?: RequestInit) => {
      const response = await fetch(input, init)
      const counted = response.body?.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            bytesRead += chunk.byteLength
            controller.enqueue(chunk)
          },
        }),
      )
      return new Response(counted, { status: response.status, headers: response.headers })
    }) as typeof fetch
    expect(await failure(fetchIssuerJson(issuer.jwksUri, { ...options, fetch: countingFetch }))).toBe(
      'invalid_response',
    )
    expect(bytesRead).toBeGreaterThan(maxBytes)
    expect(bytesRead).toBeLessThan(2 * maxBytes) // the cap, plus what the stream buffered ahead
  })

  test('a declared Content-Length over the cap is refused before reading', async () => {
    const body = `{"keys":[],"pad":"${'x'.repeat(maxBytes)}"}`
    const server = await serving(() => new Response(body, { headers: { 'content-type': 'application/json' } }))
    const { fetch: counting, bytesRead } = countingFetch()
    expect(await failure(fetchIssuerJson(server.url, { ...options, fetch: counting }))).toBe('invalid_response')
    expect(bytesRead()).toBe(0)
    server.stop()
  })

  test('bytes are counted, not characters: 300,000 two-byte characters are over 512 KiB', async () => {
    const text = `{"pad":"${'é'.repeat(300_000)}"}`
    expect(text.length).toBeLessThan(maxBytes)
    // Streamed in chunks without Content-Length, so only the byte count can catch it.
    const chunk = new TextEncoder().encode(text)
    const server = await serving(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              for (let i = 0; i < chunk.length; i += 65_536) controller.enqueue(chunk.subarray(i, i + 65_536))
              controller.close()
            },
          }),
        ),
    )
    expect(await failure(fetchIssuerJson(server.url, options))).toBe('invalid_response')
    server.stop()
  })

  test('just under the cap is read', async () => {
    const body = JSON.stringify({ keys: [], pad: 'x'.repeat(maxBytes - 100) })
    const server = await serving(() => new Response(body))
    expect(await failure(fetchIssuerJson(server.url, options))).toBe('ok')
    server.stop()
  })

  test('invalid UTF-8 is refused, not replaced', async () => {
    const server = await serving(() => new Response(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])))
    expect(await failure(fetchIssuerJson(server.url, options))).toBe('invalid_response')
    server.stop()
  })
})

describe('fetchIssuerJson: deadlines and statuses', () => {
  test('the deadline covers a body that stops arriving', async () => {
    issuer.mode = 'stalled_body'
    const clock = createManualClock()
    const requested = issuer.nextRequest()
    const pending = failure(fetchIssuerJson(issuer.jwksUri, { ...options, clock }))
    await requested
    clock.advance(5_000)
    expect(await pending).toBe('timeout')
  })

  test('an abort from the caller ends the fetch at once', async () => {
    issuer.mode = 'hang'
    const clock = createManualClock()
    const abort = new AbortController()
    const pending = failure(fetchIssuerJson(issuer.jwksUri, { ...options, clock, signal: abort.signal }))
    abort.abort()
    expect(await pending).toBe('network')
    expect(clock.pendingTimers()).toBe(0)
  })

  test('a status other than 200, and a redirect, are failures', async () => {
    issuer.mode = 'http_500'
    expect(await failure(fetchIssuerJson(issuer.jwksUri, options))).toBe('http_status')
    issuer.mode = 'redirect'
    expect(await failure(fetchIssuerJson(issuer.jwksUri, options))).toBe('network')
  })

  test('Cache-Control max-age is read; no-store and no-cache mean zero', async () => {
    for (const [header, maxAge] of [
      ['public, max-age=120', 120],
      ['max-age="30"', 30],
      ['no-store', 0],
      ['private, no-cache', 0],
      [undefined, undefined],
    ] as const) {
      issuer.cacheControl = header
      expect((await fetchIssuerJson(issuer.jwksUri, options)).maxAgeSeconds).toBe(maxAge)
    }
    issuer.cacheControl = undefined
  })
})
