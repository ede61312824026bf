/**
 * RFC 9449 §4.3 (9): the `htu` claim must match the request's URI "ignoring any query and fragment parts", after
 * RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalisation. Both sides go through `normalizeHtu`, so
 * that two spellings of one URI compare equal and nothing else does:
 * - scheme and host lower-cased, default ports dropped, an empty path made `/`, dot segments removed (WHATWG URL
 *   does these, and IDNA for the host);
 * - percent-encodings of unreserved characters decoded, every other one upper-cased (§6.2.2.1, §6.2.2.2);
 * - query and fragment dropped.
 * A trailing slash is kept: `/a/` and `/a` are different URIs (§6.2.3 only equates an empty path with `/`).
 */

// RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
const UNRESERVED = /^[A-Za-z0-9\-._~]$/

function normalizePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/**
 * The normalised `scheme://host[:port]/path` of an absolute http(s) URI, or undefined when `value` is not one
 * (another scheme, a relative reference, user information, or not a URL at all).
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  // A proof names a resource, never credentials for it.
  if (url.username !== '' || url.password !== '') return undefined
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`
}

/**
 * The `htu` a request must carry: its path under the public origin the client used (`https://api.example.com`),
 * normalised like a proof's `htu`. `requestUrl` is absolute (a Fetch API `Request.url`) or a path.
 */
export function requestHtu(publicOrigin: string, requestUrl: string): string | undefined {
  let path: string
  try {
    path = new URL(requestUrl, 'http://path.invalid').pathname
  } catch {
    return undefined
  }
  return normalizeHtu(`${publicOrigin}${path}`)
}
