import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

/**
 * A DPoP client (RFC 9449) in one small module: a key pair that never leaves the process, a proof per request,
 * a DPoP-bound token from a `client_credentials` request, and the server nonces of RFC 9449 §8 and §9 handled by
 * retrying once with the nonce the server asked for.
 */
export interface DpopClient {
  /** The JWK SHA-256 thumbprint of the key: what the token's `cnf.jkt` must be. */
  readonly thumbprint: string
  /** Signs a proof for one request; `accessToken` adds `ath`, as resource servers require. */
  proof(htm: string, htu: string, accessToken?: string): Promise<string>
  /** A token from `tokenEndpoint`, bound to this client's key. */
  requestToken(request: TokenRequest): Promise<DpopToken>
  /** `fetch` with `Authorization: DPoP <token>` and a fresh proof on every attempt. */
  fetch(url: string, accessToken: string, init?: RequestInit): Promise<Response>
}

export interface TokenRequest {
  readonly tokenEndpoint: string
  readonly clientId: string
  readonly clientSecret: string
  /** Auth0's `audience`: the API identifier (the `resource` of its protected resource metadata). */
  readonly audience: string
  readonly scope?: string
}

export interface DpopToken {
  readonly accessToken: string
  readonly tokenType: string
  readonly expiresIn: number | undefined
}

/** RFC 9449 §4.2: `htu` is the target URI without query and fragment. */
export function htuOf(url: string): string {
  const target = new URL(url)
  return `${target.origin}${target.pathname}`
}

/** base64url(SHA-256(token)): the `ath` claim. */
async function accessTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return Buffer.from(digest).toString('base64url')
}

/** Whether an answer asks for a (new) nonce: a token endpoint's 400 body, or a resource's 401 challenge. */
async function asksForNonce(response: Response): Promise<boolean> {
  if (response.headers.get('dpop-nonce') === null) return false
  if (response.status === 401) return /error="use_dpop_nonce"/.test(response.headers.get('www-authenticate') ?? '')
  if (response.status !== 400) return false
  const body = (await response
    .clone()
    .json()
    .catch(() => ({}))) as { error?: unknown }
  return body.error === 'use_dpop_nonce'
}

/** A client with a new ES256 key (the algorithm every DPoP server accepts). */
export async function createDpopClient(): Promise<DpopClient> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const publicJwk: JWK = await exportJWK(publicKey)
  const thumbprint = await calculateJwkThumbprint(publicJwk)
  // The last nonce each server gave (RFC 9449 §8.2: keep using it until the server supplies a new one).
  const nonces = new Map<string, string>()

  async function proof(htm: string, htu: string, accessToken?: string): Promise<string> {
    const nonce = nonces.get(new URL(htu).origin)
    return new SignJWT({
      htm,
      htu: htuOf(htu),
      ...(accessToken === undefined ? {} : { ath: await accessTokenHash(accessToken) }),
      ...(nonce === undefined ? {} : { nonce }),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .sign(privateKey)
  }

  /** Sends, and once more with the nonce the server asks for; each attempt gets a new proof (RFC 9449 §7.3). */
  async function withNonceRetry(url: string, send: () => Promise<Response>): Promise<Response> {
    const origin = new URL(url).origin
    let response = await send()
    if (await asksForNonce(response)) {
      nonces.set(origin, String(response.headers.get('dpop-nonce')))
      response = await send()
    }
    const next = response.headers.get('dpop-nonce')
    if (next !== null) nonces.set(origin, next)
    return response
  }

  return {
    thumbprint,
    proof,
    async requestToken({ tokenEndpoint, clientId, clientSecret, audience, scope }) {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        audience,
        ...(scope === undefined ? {} : { scope }),
      })
      const response = await withNonceRetry(tokenEndpoint, async () =>
        fetch(tokenEndpoint, { method: 'POST', headers: { dpop: await proof('POST', tokenEndpoint) }, body }),
      )
      const json = (await response.json()) as Record<string, unknown>
      if (!response.ok || typeof json.access_token !== 'string') {
        throw new Error(`token request refused: ${response.status} ${String(json.error ?? '')}`)
      }
      // RFC 9449 §5: a token_type other than DPoP means the token is not bound; this client wants it bound.
      if (json.token_type !== 'DPoP') throw new Error(`expected a DPoP-bound token, got ${String(json.token_type)}`)
      return {
        accessToken: json.access_token,
        tokenType: json.token_type,
        expiresIn: typeof json.expires_in === 'number' ? json.expires_in : undefined,
      }
    },
    async fetch(url, accessToken, init = {}) {
      const method = (init.method ?? 'GET').toUpperCase()
      return withNonceRetry(url, async () => {
        const headers = new Headers(init.headers)
        headers.set('authorization', `DPoP ${accessToken}`)
        headers.set('dpop', await proof(method, url, accessToken))
        return fetch(url, { ...init, method, headers })
      })
    },
  }
}

/** What a client learns from an API's protected resource metadata (RFC 9728). */
export interface ResourceDiscovery {
  readonly resource: string
  readonly authorizationServers: readonly string[]
  readonly dpopAlgorithms: readonly string[]
  readonly metadataUrl: string
}

/**
 * How an MCP client finds its way (RFC 9728 §5): call the API without a token, read `resource_metadata` from the
 * 401 challenge, fetch that document.
 */
export async function discover(protectedUrl: string): Promise<ResourceDiscovery> {
  const refused = await fetch(protectedUrl)
  const challenge = refused.headers.get('www-authenticate') ?? ''
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1]
  if (refused.status !== 401 || metadataUrl === undefined) {
    throw new Error(`no resource_metadata in the ${refused.status} answer of ${protectedUrl}`)
  }
  const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>
  if (typeof metadata.resource !== 'string' || !Array.isArray(metadata.authorization_servers)) {
    throw new Error(`${metadataUrl} is not protected resource metadata`)
  }
  return {
    resource: metadata.resource,
    authorizationServers: metadata.authorization_servers.map(String),
    dpopAlgorithms: Array.isArray(metadata.dpop_signing_alg_values_supported)
      ? metadata.dpop_signing_alg_values_supported.map(String)
      : [],
    metadataUrl,
  }
}
