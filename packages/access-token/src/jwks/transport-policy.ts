/**
 * Which issuer URLs may be fetched: https, or plain http to a loopback host or to a host the operator named
 * (`AUTH0_ALLOW_INSECURE_ISSUER`). One rule for the configured issuer and for a `jwks_uri` that discovery
 * hands us, so that a discovery document cannot lower the transport the configuration allowed.
 */
export interface TransportPolicy {
  /**
   * Hosts (`host` or `host:port`, lower case) that may be reached over plain http besides loopback; `'any'`
   * allows every host (development only).
   * @default []
   */
  readonly insecureHosts: readonly string[] | 'any'
}

export const HTTPS_ONLY: TransportPolicy = Object.freeze({ insecureHosts: Object.freeze([]) })

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

export type TransportProblem = 'not_http' | 'credentials' | 'fragment' | 'insecure'

/** Why `url` may not be fetched under `policy`, or undefined when it may. */
export function transportProblem(url: URL, policy: TransportPolicy): TransportProblem | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'not_http'
  if (url.username !== '' || url.password !== '') return 'credentials'
  if (url.hash !== '') return 'fragment'
  if (url.protocol === 'https:' || isLoopbackHost(url)) return undefined
  return isInsecureHostAllowed(url, policy) ? undefined : 'insecure'
}

/** localhost, 127.0.0.0/8 or [::1]: plain http there never leaves the machine. */
export function isLoopbackHost(url: URL): boolean {
  return LOOPBACK.test(url.hostname)
}

/** Whether plain http to this non-loopback host was explicitly allowed. */
export function isInsecureHostAllowed(url: URL, policy: TransportPolicy): boolean {
  if (policy.insecureHosts === 'any') return true
  const hosts = policy.insecureHosts
  return hosts.includes(url.host.toLowerCase()) || hosts.includes(url.hostname.toLowerCase())
}

const MAX_LOGGED_URL = 200

/** A URL fit for a log line: no userinfo, and bounded, since it may come from a remote document. */
export function redactUrl(href: string): string {
  let text = href
  try {
    const url = new URL(href)
    if (url.username !== '' || url.password !== '') {
      url.username = ''
      url.password = ''
      text = url.href.replace('//', '//[redacted]@')
    }
  } catch {
    // Not a URL: logged as bounded text.
  }
  return boundForLog(text, MAX_LOGGED_URL)
}

/** Cuts text that came from outside to `max` characters, saying how much was left out. */
export function boundForLog(text: string, max = MAX_LOGGED_URL): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`
}
