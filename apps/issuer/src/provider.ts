import type { JWK } from 'jose'
import Provider, { type KoaContextWithOIDC } from 'oidc-provider'
import type { IssuerConfig } from './issuer-config.ts'

const TOKEN_PATH = '/oauth/token'

function readBody(ctx: KoaContextWithOIDC): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    ctx.req.setEncoding('utf8')
    ctx.req.on('data', (chunk: string) => {
      text += chunk
      if (text.length > 64 * 1024) reject(new Error('request body too large'))
    })
    ctx.req.on('end', () => resolve(text))
    ctx.req.on('error', reject)
  })
}

/**
 * Auth0's token request, spoken to oidc-provider: JSON or form bodies, `audience` as the RFC 8707
 * `resource`, and every allowed scope when none is asked for (Auth0's client_credentials behaviour).
 */
function auth0Compatibility(config: IssuerConfig) {
  return async function auth0TokenRequest(ctx: KoaContextWithOIDC, next: () => Promise<unknown>) {
    if (ctx.method !== 'POST' || ctx.path !== TOKEN_PATH) return next()
    const type = ctx.get('content-type').toLowerCase()
    if (!type.startsWith('application/json') && !type.startsWith('application/x-www-form-urlencoded')) return next()
    const text = await readBody(ctx)
    let params: Record<string, unknown>
    try {
      params = type.startsWith('application/json')
        ? (JSON.parse(text) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(text))
    } catch {
      ctx.status = 400
      ctx.body = { error: 'invalid_request', error_description: 'the request body is not valid JSON' }
      return
    }
    if (typeof params !== 'object' || params === null) params = {}
    if (params.resource === undefined && typeof params.audience === 'string') params.resource = params.audience
    delete params.audience
    if (params.grant_type === 'client_credentials' && (params.scope === undefined || params.scope === '')) {
      const client = config.clients.find((c) => c.clientId === params.client_id)
      if (client !== undefined && client.scopes.length > 0) params.scope = client.scopes.join(' ')
    }
    const form = new URLSearchParams()
    for (const [key, value] of Object.entries(params)) if (typeof value === 'string') form.set(key, value)
    // oidc-provider reads an already-parsed form body from here.
    ctx.req.headers['content-type'] = 'application/x-www-form-urlencoded'
    ctx.req.headers['content-length'] = String(Buffer.byteLength(form.toString()))
    ;(ctx.request as unknown as { body: Record<string, string> }).body = Object.fromEntries(form)
    return next()
  }
}

/** An OpenID Provider (oidc-provider) issuing RS256 JWT access tokens through client_credentials. */
export function createProvider(config: IssuerConfig, signingKey: JWK): Provider {
  const allScopes = [...new Set(config.clients.flatMap((client) => client.scopes))]
  const provider = new Provider(config.issuer, {
    clients: config.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: client.scopes.join(' '),
    })),
    jwks: { keys: [signingKey] },
    routes: { token: TOKEN_PATH, jwks: '/.well-known/jwks.json' },
    scopes: allScopes,
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Any absolute URI is an API here: this issuer is for development.
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          audience: resource,
          scope: allScopes.join(' '),
          accessTokenFormat: 'jwt',
          accessTokenTTL: config.accessTokenTtlSeconds,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // Auth0 RBAC puts the granted permissions in the token too; mirror the scopes there.
    extraTokenClaims: (_ctx, token) => {
      const scope = (token as { scope?: string }).scope
      return { permissions: scope === undefined ? [] : scope.split(' ').filter(Boolean), gty: 'client-credentials' }
    },
    ttl: { ClientCredentials: config.accessTokenTtlSeconds },
    enabledJWA: { clientAuthSigningAlgValues: ['RS256'] },
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
  })
  provider.proxy = true
  provider.use(auth0Compatibility(config))
  return provider
}
