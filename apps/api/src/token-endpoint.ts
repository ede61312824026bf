import { type Clock, discoverIssuer, type KeySetSource, systemClock, type TransportPolicy } from '@repo/access-token'
import type { Logger } from './logger.ts'

/** Browsers reach the issuer at another origin than the API does (docker compose: `issuer:9000` → `localhost:9000`). */
export interface IssuerAlias {
  /** An origin as the API knows the issuer (`http://issuer:9000`). */
  readonly from: string
  /** The same issuer as browsers reach it (`http://localhost:9000`). */
  readonly to: string
}

export interface TokenEndpointOptions {
  /** Where the issuer is: Auth0's layout (issuer + keys) or a base URL to discover. */
  readonly source: KeySetSource
  readonly transport: TransportPolicy
  /** Deadline of one discovery fetch, body included. */
  readonly timeoutMs: number
  /** Least time between two discovery attempts after a failure. */
  readonly retryAfterMs: number
  readonly alias?: IssuerAlias | undefined
  readonly logger: Logger
  readonly fetch?: typeof fetch
  readonly clock?: Clock
}

/** The issuer's OAuth 2.0 token endpoint, as API consoles in a browser should call it. */
export interface TokenEndpoint {
  /**
   * The token URL, or undefined while it cannot be known (discovery failing). Never throws; waits at most for one
   * discovery fetch (`timeoutMs`), and not at all within `retryAfterMs` of a failure.
   */
  resolve(): Promise<string | undefined>
}

const MAX_DOCUMENT_BYTES = 512 * 1024

function applyAlias(url: string, alias: IssuerAlias | undefined): string {
  if (alias === undefined || new URL(url).origin !== alias.from) return url
  return `${alias.to}${url.slice(alias.from.length)}`
}

/**
 * Where "Authorize" in /docs asks for tokens. For Auth0 (an issuer given with its keys) it is known at once:
 * `https://<domain>/oauth/token`. For an issuer to discover, it is the discovery document's `token_endpoint`,
 * fetched the first time the docs ask rather than at start-up: starting never waits for it, nothing is fetched
 * unless someone opens the docs, and an issuer that is down only leaves the OAuth flow out of the document until
 * a later attempt succeeds.
 */
export function createTokenEndpoint(options: TokenEndpointOptions): TokenEndpoint {
  const { source, alias, logger } = options
  const clock = options.clock ?? systemClock
  if ('issuer' in source) {
    const known = Promise.resolve(applyAlias(new URL('oauth/token', source.issuer).href, alias))
    return { resolve: () => known }
  }
  let found: string | undefined
  let failedAt: number | undefined
  let inFlight: Promise<string | undefined> | undefined

  function failed(reason: string) {
    failedAt = clock.now()
    logger.warn('docs_token_endpoint_unavailable', { reason, retryInSeconds: Math.ceil(options.retryAfterMs / 1000) })
  }

  async function discover(baseUrl: string): Promise<string | undefined> {
    try {
      const metadata = await discoverIssuer(baseUrl, {
        fetch: options.fetch ?? fetch,
        clock,
        timeoutMs: options.timeoutMs,
        maxBytes: MAX_DOCUMENT_BYTES,
        transport: options.transport,
      })
      if (metadata.tokenEndpoint !== undefined) {
        found = applyAlias(metadata.tokenEndpoint, alias)
        return found
      }
      failed('no_token_endpoint')
      return undefined
    } catch (error) {
      failed(String((error as { reason?: unknown }).reason ?? 'network'))
      return undefined
    } finally {
      inFlight = undefined
    }
  }

  return {
    resolve() {
      if (found !== undefined) return Promise.resolve(found)
      if (failedAt !== undefined && clock.now() - failedAt < options.retryAfterMs) return Promise.resolve(undefined)
      inFlight ??= discover(source.discoveryBaseUrl)
      return inFlight
    },
  }
}
