/** Where a token comes from: `TOKEN` as `eval "$(bun run --silent token)"` sets it, else the issuer asked here. */
export interface TokenSource {
  readonly token?: string | undefined
  /** @default http://localhost:9000 (the development issuer of `docker compose up` and `bun run dev`) */
  readonly issuerUrl?: string | undefined
  /** @default local-client / local-secret */
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  /** @default https://api.local.test */
  readonly audience?: string | undefined
}

/**
 * An access token: the one given, or one from the issuer's token endpoint with the client_credentials grant, as
 * the tutorial's curl asks Auth0 (`/oauth/token`, form body, `audience`).
 */
export async function getAccessToken(source: TokenSource): Promise<string> {
  if (source.token !== undefined && source.token !== '') return source.token
  const issuer = (source.issuerUrl ?? 'http://localhost:9000').replace(/\/+$/, '')
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: source.clientId ?? 'local-client',
      client_secret: source.clientSecret ?? 'local-secret',
      audience: source.audience ?? 'https://api.local.test',
    }),
    signal: AbortSignal.timeout(5_000),
  })
  const body = (await response.json()) as { access_token?: unknown; error?: unknown }
  if (typeof body.access_token !== 'string') {
    throw new Error(`no token from ${issuer}/oauth/token: ${response.status} ${String(body.error ?? '')}`)
  }
  return body.access_token
}
