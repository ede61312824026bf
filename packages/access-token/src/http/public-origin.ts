import type { AuthRequest } from './auth-request.ts'

/**
 * The origin a client used to reach the API (`https://api.example.com`), which is not always the one the server
 * sees behind a proxy. It is what a DPoP proof's `htu` names (RFC 9449 §4.3) and where the protected resource
 * metadata is published (RFC 9728 §3).
 */
export type PublicOrigin = (request: AuthRequest) => string

export interface PublicOriginOptions {
  /** The fixed public origin; when set, request headers are never read for it. */
  readonly origin?: string | undefined
  /**
   * Without `origin`: take the scheme and host from `X-Forwarded-Proto` and `X-Forwarded-Host` (their first
   * values) when the proxy in front sets them. Only for a proxy that overwrites both headers on every request:
   * otherwise a client chooses the origin its proofs are checked against.
   * @default false
   */
  readonly trustProxy?: boolean
}

// host[:port] as it may appear in a Host header: a name, an IPv4 address or a bracketed IPv6 address.
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

const first = (value: string | null) => value?.split(',', 1)[0]?.trim().toLowerCase()

/** `scheme://host[:port]` through WHATWG URL (lower case, default port dropped), or undefined. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined
  } catch {
    return undefined
  }
}

/** Distinct `scheme://authority` prefixes remembered; the Host header makes them, so clients choose how many. */
const MAX_KNOWN_ORIGINS = 64

/**
 * The request URL's own origin, parsed once per distinct `scheme://authority` prefix rather than once per request
 * (`new URL` was a third of rendering a refusal). The prefix reaches the first `/` after `//`, so it holds the whole
 * authority, which alone decides the origin: two URLs with one prefix have one origin.
 */
function createOwnOrigin(): (url: string) => string {
  const known = new Map<string, string>()
  return function ownOrigin(url) {
    const authority = url.indexOf('//')
    const end = authority === -1 ? -1 : url.indexOf('/', authority + 2)
    const prefix = end === -1 ? url : url.slice(0, end)
    let origin = known.get(prefix)
    if (origin === undefined) {
      origin = originOf(url) ?? 'http://localhost'
      if (known.size >= MAX_KNOWN_ORIGINS) known.clear()
      known.set(prefix, origin)
    }
    return origin
  }
}

/**
 * Resolves the public origin once per request: the configured one, else the forwarded one when trusted and well
 * formed, else the request URL's own. A forwarded value that is not a plain scheme or host is ignored, so that a
 * broken proxy makes proofs fail to match rather than lets a header choose an arbitrary origin.
 */
export function createPublicOrigin(options: PublicOriginOptions = {}): PublicOrigin {
  if (options.origin !== undefined) {
    const fixed = originOf(options.origin)
    if (fixed === undefined) throw new TypeError('"origin" option must be an http(s) origin')
    return () => fixed
  }
  const trustProxy = options.trustProxy ?? false
  const ownOrigin = createOwnOrigin()
  return function publicOrigin(request) {
    const own = ownOrigin(request.url)
    if (!trustProxy) return own
    const proto = first(request.headers.get('x-forwarded-proto'))
    const host = first(request.headers.get('x-forwarded-host'))
    // Exactly a scheme and exactly a host, or nothing of them: `https://evil.example/` as a "scheme" would make
    // `https://evil.example/://host` an origin.
    if (proto !== undefined && proto !== 'https' && proto !== 'http') return own
    if (host !== undefined && !HOST.test(host)) return own
    const scheme = proto ?? new URL(own).protocol.slice(0, -1)
    return originOf(`${scheme}://${host ?? new URL(own).host}`) ?? own
  }
}
