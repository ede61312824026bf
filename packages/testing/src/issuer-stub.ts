import type { JWTPayload } from 'jose'
import { generateTestKey, type SignOptions, signToken, type TestKey } from './keys.ts'

/**
 * How the stub answers key and discovery requests; switch it at any time to simulate outages and attacks:
 * `redirect` sends a 302 to the real document; `endless` streams a JSON-looking body that never ends, without
 * `Content-Length`; `stalled_body` sends the headers and a first chunk, then nothing.
 */
export type IssuerStubMode =
  | 'ok'
  | 'http_500'
  | 'hang'
  | 'garbage'
  | 'empty_keys'
  | 'redirect'
  | 'endless'
  | 'stalled_body'

export interface IssuerStub {
  /** Base URL, without trailing slash (`http://127.0.0.1:PORT`). */
  readonly baseUrl: string
  /** The issuer identifier tokens carry: base URL plus `/`, as Auth0 does. */
  readonly issuer: string
  readonly jwksUri: string
  /** Keys published in the JWKS. */
  keys: TestKey[]
  /** Keys used to sign by default (the first published one unless set). */
  signingKey: TestKey
  mode: IssuerStubMode
  /** `Cache-Control` sent with the JWKS, if any. */
  cacheControl: string | undefined
  /** Overrides the `issuer` of the discovery document (to test a mismatch). */
  discoveryIssuer: string | undefined
  /** Number of JWKS requests served (any mode). */
  jwksRequests: number
  discoveryRequests: number
  /** Body bytes handed to clients in `endless` mode (what a reader actually pulled). */
  endlessBytesSent: number
  /** Extra members merged into the discovery document (`jwks_uri` overrides, say). */
  discoveryExtra: Record<string, unknown>
  /** Resolves when the next discovery or JWKS request arrives (before it is answered). */
  nextRequest(): Promise<void>
  /**
   * Signs a token with sane defaults (issuer, a one-hour `exp`, `iat` now) merged under `claims`;
   * a claim set to `undefined` is left out.
   */
  mint(claims?: Record<string, unknown>, options?: SignOptions & { key?: TestKey }): Promise<string>
  /** Answers the requests held by `hang` (and ends stalled bodies) as the stub is set now. */
  releaseHanging(): void
  /** Back to how it started (first key, `ok`, no overrides, counters at zero): one stub can serve a whole file. */
  reset(): void
  /** Publishes a new key and signs with it from now on; keeps the old keys unless `replace`. */
  rotate(options?: { replace?: boolean }): Promise<TestKey>
  close(): Promise<void>
}

/** An OpenID issuer stand-in on 127.0.0.1:0 serving discovery and a JWKS from keys made in this run. */
export async function startIssuerStub(options: { audience?: string; alg?: string } = {}): Promise<IssuerStub> {
  const first = await generateTestKey(options.alg)
  const hanging = new Set<() => void>()
  const requestWaiters: (() => void)[] = []
  /** The answer to a discovery or JWKS request in `mode`. */
  function answer(pathname: string, isJwks: boolean, mode: IssuerStubMode): Response | Promise<Response> {
    switch (mode) {
      case 'http_500':
        return new Response('down', { status: 500 })
      case 'hang':
        // Answered when released: as the stub is set then, or as an error if it still hangs.
        return new Promise<Response>((resolve) => {
          hanging.add(() => resolve(answer(pathname, isJwks, stub.mode === 'hang' ? 'http_500' : stub.mode)))
        })
      case 'garbage':
        return new Response('<html>maintenance</html>', { headers: { 'content-type': 'text/html' } })
      case 'empty_keys':
        if (isJwks) return Response.json({ keys: [] })
        break
      case 'redirect':
        return new Response(null, { status: 302, headers: { location: `${pathname}?followed=1` } })
      case 'endless':
        return new Response(endlessBody(stub), { headers: { 'content-type': 'application/json' } })
      case 'stalled_body':
        return new Response(stalledBody(hanging), { headers: { 'content-type': 'application/json' } })
    }
    if (!isJwks) {
      return Response.json({
        issuer: stub.discoveryIssuer ?? stub.issuer,
        jwks_uri: stub.jwksUri,
        token_endpoint: `${stub.baseUrl}/oauth/token`,
        id_token_signing_alg_values_supported: ['RS256'],
        ...stub.discoveryExtra,
      })
    }
    const headers: Record<string, string> = {}
    if (stub.cacheControl !== undefined) headers['cache-control'] = stub.cacheControl
    return Response.json({ keys: stub.keys.map((key) => key.publicJwk) }, { headers })
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch(request) {
      const { pathname, searchParams } = new URL(request.url)
      const isJwks = pathname === '/.well-known/jwks.json'
      const isDiscovery = pathname === '/.well-known/openid-configuration'
      if (!isJwks && !isDiscovery) return new Response('not found', { status: 404 })
      if (isJwks) stub.jwksRequests += 1
      else stub.discoveryRequests += 1
      for (const notify of requestWaiters.splice(0)) notify()
      return answer(pathname, isJwks, searchParams.has('followed') ? 'ok' : stub.mode)
    },
  })
  const baseUrl = `http://127.0.0.1:${server.port}`
  const stub: IssuerStub = {
    baseUrl,
    issuer: `${baseUrl}/`,
    jwksUri: `${baseUrl}/.well-known/jwks.json`,
    keys: [first],
    signingKey: first,
    mode: 'ok',
    cacheControl: undefined,
    discoveryIssuer: undefined,
    jwksRequests: 0,
    discoveryRequests: 0,
    endlessBytesSent: 0,
    discoveryExtra: {},
    nextRequest: () => new Promise<void>((resolve) => requestWaiters.push(resolve)),
    mint(claims = {}, signOptions = {}) {
      const now = Math.floor(Date.now() / 1000)
      const payload: Record<string, unknown> = {
        iss: stub.issuer,
        sub: 'client-1@clients',
        aud: options.audience ?? 'https://api.example.test',
        iat: now,
        exp: now + 3600,
        ...claims,
      }
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
      return signToken(signOptions.key ?? stub.signingKey, payload as JWTPayload, signOptions)
    },
    releaseHanging() {
      const held = [...hanging]
      hanging.clear()
      for (const release of held) release()
    },
    reset() {
      stub.releaseHanging()
      Object.assign(stub, {
        keys: [first],
        signingKey: first,
        mode: 'ok',
        cacheControl: undefined,
        discoveryIssuer: undefined,
        discoveryExtra: {},
        jwksRequests: 0,
        discoveryRequests: 0,
        endlessBytesSent: 0,
      })
    },
    async rotate({ replace = false } = {}) {
      const key = await generateTestKey(options.alg)
      stub.keys = replace ? [key] : [...stub.keys, key]
      stub.signingKey = key
      return key
    },
    async close() {
      stub.releaseHanging()
      await server.stop(true)
    },
  }
  return stub
}

const CHUNK = new TextEncoder().encode(`${'"padding",'.repeat(6553)}`)

/** `{"keys":[` then padding for ever, counted as it is pulled, so a test can tell how much a reader took. */
function endlessBody(stub: IssuerStub): ReadableStream<Uint8Array> {
  let started = false
  return new ReadableStream({
    pull(controller) {
      const chunk = started ? CHUNK : new TextEncoder().encode('{"keys":[')
      started = true
      stub.endlessBytesSent += chunk.byteLength
      controller.enqueue(chunk)
    },
  })
}

/** A first chunk, then nothing until the stub closes. */
function stalledBody(hanging: Set<() => void>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"keys":'))
      hanging.add(() => {
        try {
          controller.close()
        } catch {
          // Already cancelled by the reader.
        }
      })
    },
  })
}
