import { isLoopbackHost } from '@repo/access-token'
import { type Reader, read } from './reader.ts'

/** Where clients reach the API and the identifier they know it by (RFC 9449 `htu`, RFC 9728 `resource`). */
export interface ResourceConfig {
  /** PUBLIC_ORIGIN (`https://api.example.com`); undefined: each request's own origin. */
  readonly publicOrigin: string | undefined
  /** AUTH0_TRUST_PROXY: without PUBLIC_ORIGIN, read the origin from `X-Forwarded-Proto`/`X-Forwarded-Host`. */
  readonly trustProxy: boolean
  /**
   * The RFC 9728 resource identifier: the audience when it is an https URL on the public origin (or any https URL
   * when no origin is configured), else PUBLIC_ORIGIN; undefined: each request's own origin.
   */
  readonly identifier: string | undefined
}

function publicOrigin(reader: Reader): string | undefined {
  const raw = read(reader.env, 'PUBLIC_ORIGIN')
  if (raw === undefined) return undefined
  const example = 'https://api.example.com'
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return reader.fail('PUBLIC_ORIGIN', 'must be an absolute URL', example)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return reader.fail('PUBLIC_ORIGIN', 'must be an http(s) URL', example)
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return reader.fail('PUBLIC_ORIGIN', 'must be an origin only: scheme, host and port', example)
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url)) {
    reader.warnings.push(`PUBLIC_ORIGIN uses plain http (${url.host}): clients' tokens cross the network in clear`)
  }
  return url.origin
}

/** The audience as an RFC 9728 identifier: an https URL without query, fragment or credentials. */
function audienceIdentifier(audience: string | undefined): URL | undefined {
  if (audience === undefined) return undefined
  try {
    const url = new URL(audience)
    const plain = url.search === '' && url.hash === '' && url.username === '' && url.password === ''
    return url.protocol === 'https:' && plain ? url : undefined
  } catch {
    return undefined
  }
}

/** PUBLIC_ORIGIN, AUTH0_TRUST_PROXY, and the resource identifier they make with the audience. */
export function loadResourceConfig(reader: Reader, audience: string | undefined): ResourceConfig {
  const origin = publicOrigin(reader)
  const trustProxy = reader.flag('AUTH0_TRUST_PROXY')
  if (origin !== undefined && trustProxy) {
    reader.warnings.push('AUTH0_TRUST_PROXY is ignored: PUBLIC_ORIGIN fixes the origin')
  }
  const audienceUrl = audienceIdentifier(audience)
  // The audience, as written, is the best identifier: a client that asks for a token for it (RFC 8707 `resource`,
  // Auth0's `audience`) gets one this API accepts. It is used when it names this API's own origin.
  const identifier =
    audienceUrl !== undefined && (origin === undefined || audienceUrl.origin === origin) ? audience : origin
  return { publicOrigin: origin, trustProxy: origin === undefined && trustProxy, identifier }
}
