import { Elysia } from 'elysia'

/** Cross-origin access for browser apps; off unless origins are configured (`CORS_ORIGINS`). */
export interface CorsConfig {
  /** Exact origins (`scheme://host[:port]`, as browsers send them in `Origin`) allowed to call the API. */
  readonly origins: readonly string[]
}

/** Request headers a browser app may send: the credential (RFC 6750, RFC 9449) and a JSON body's type. */
export const CORS_ALLOWED_HEADERS = 'authorization, dpop, content-type'
/** Response headers a browser app may read: the challenge, the DPoP nonce and when to retry after a 503. */
export const CORS_EXPOSED_HEADERS = 'www-authenticate, dpop-nonce, retry-after'
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
/** How long a browser may reuse a preflight answer (Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_SECONDS = '600'

/**
 * CORS (Fetch standard) for the allowed origins only. Written here rather than with `@elysiajs/cors` 1.4.2, which
 * sends its allow/expose headers on every response whatever the origin, answers every OPTIONS request with 204,
 * and allows credentials by default. Bearer tokens are not ambient credentials, so there is no credentials mode.
 *
 * Preflights are answered in `onRequest`, before routing: no route hook (the `auth` macro included) runs for
 * them, so they need no token. Any other request from an allowed origin gets its headers here too, so that every
 * answer carries them, the 401s and 503s of the auth plugin included.
 */
export function createCors(config: CorsConfig | undefined) {
  const origins = new Set(config?.origins ?? [])
  const plugin = new Elysia({ name: 'cors', seed: [...origins] })
  if (origins.size === 0) return plugin
  return plugin.onRequest(function processCors({ request, set }) {
    // Answers differ by Origin: shared caches must keep them apart, including the ones without CORS headers.
    set.headers.vary = 'Origin'
    const origin = request.headers.get('origin')
    if (origin === null || !origins.has(origin)) return
    if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': CORS_ALLOWED_HEADERS,
          'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
          vary: 'Origin',
        },
      })
    }
    set.headers['access-control-allow-origin'] = origin
    set.headers['access-control-expose-headers'] = CORS_EXPOSED_HEADERS
  })
}
