import { afterAll, beforeAll } from 'bun:test'
import {
  type Clock,
  MissingCredentialsError,
  type ReplayStore,
  type TokenCacheListener,
  toAuthErrorResponse,
} from '@repo/access-token'
import { type AuthConfig, loadAuthConfig } from '@repo/auth-config'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { type AppDependencies, createApp } from '../src/app.ts'
import { createAuthRuntime } from '../src/auth.ts'
import { type Logger, silentLogger } from '../src/logger.ts'

export const audience = 'https://api.example.test'

const opened: { close(): void }[] = []
/** Closes every runtime `createTestApi` made so far (their timers, fetches and stores end with the test file). */
export function closeTestApis(): void {
  for (const runtime of opened.splice(0)) runtime.close()
}

/**
 * Everything `createApp` needs, as inert stand-ins (an authenticator that refuses, keys held, no logs), for tests of
 * one concern that override the part they are about.
 */
export function stubAppDependencies(overrides: Partial<AppDependencies> = {}): AppDependencies {
  return {
    authenticator: {
      schemes: ['bearer'],
      respond: (error) => toAuthErrorResponse(error),
      authenticate: () => Promise.reject(new MissingCredentialsError()),
    },
    keySet: { health: () => ({ ready: true, state: 'fresh', keys: 1, fetchedAt: null, lastFailure: null }) },
    logger: silentLogger,
    protectedResource: {
      identifier: audience,
      publicOrigin: () => 'http://localhost',
      variesByForwardedHeaders: false,
      authorizationServers: async () => ['https://issuer.example.test/'],
      dpop: undefined,
    },
    ...overrides,
  }
}

/** The production wiring (config → runtime → app) pointed at a local issuer (stub or real). */
export function createTestApi(
  issuer: { baseUrl: string },
  options: {
    env?: Record<string, string>
    clock?: Clock
    logger?: Logger
    replayStore?: ReplayStore
    onTokenCacheEvent?: TokenCacheListener
  } = {},
) {
  const { config }: { config: AuthConfig } = loadAuthConfig({
    AUTH0_ISSUER_BASE_URL: issuer.baseUrl,
    AUTH0_API_AUDIENCE: audience,
    AUTH0_JWKS_TIMEOUT_MS: '300',
    ...options.env,
  })
  const logger = options.logger ?? silentLogger
  const runtime = createAuthRuntime(config, {
    logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.replayStore === undefined ? {} : { replayStore: options.replayStore }),
    ...(options.onTokenCacheEvent === undefined ? {} : { onTokenCacheEvent: options.onTokenCacheEvent }),
  })
  opened.push(runtime)
  const app = createApp({ ...runtime, logger })
  return { app, runtime }
}

export async function request(
  app: { handle(request: Request): Promise<Response> },
  path: string,
  init: RequestInit & { token?: string } = {},
) {
  const headers = new Headers(init.headers)
  if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`)
  const response = await app.handle(new Request(`http://localhost${path}`, { ...init, headers }))
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  return {
    status: response.status,
    headers: response.headers,
    challenge: response.headers.get('www-authenticate'),
    body,
    text,
  }
}

/** An issuer stub and the API wired to it, started before a file's tests and stopped after them. */
export function useTestApi(): { readonly issuer: IssuerStub; readonly api: ReturnType<typeof createTestApi> } {
  const context = {} as { issuer: IssuerStub; api: ReturnType<typeof createTestApi> }
  beforeAll(async () => {
    context.issuer = await startIssuerStub({ audience })
    context.api = createTestApi(context.issuer)
  })
  afterAll(async () => {
    closeTestApis()
    await context.issuer.close()
  })
  return context
}

/** Where the default test API's challenges point (`resource_metadata`, RFC 9728 §5.1). */
export const RESOURCE_METADATA = 'resource_metadata="http://localhost/.well-known/oauth-protected-resource"'
/** The `algs` of the default DPoP challenge: every algorithm, ES256 first. */
export const DPOP_ALGS = 'algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"'

/**
 * The `WWW-Authenticate` value in the default (`allowed`) mode: a Bearer and a DPoP challenge, each with
 * `resource_metadata`. `bearerError` (`error="…", error_description="…"`) goes on the Bearer challenge, `dpopError`
 * on the DPoP one.
 */
export function challengeOf(bearerError?: string, dpopError?: string): string {
  const bearer = ['realm="api"', ...(bearerError === undefined ? [] : [bearerError]), RESOURCE_METADATA]
  const dpop = [...(dpopError === undefined ? [] : [dpopError]), DPOP_ALGS, RESOURCE_METADATA]
  return `Bearer ${bearer.join(', ')}, DPoP ${dpop.join(', ')}`
}

/** `error="code", error_description="description"`. */
export const errorParams = (code: string, description: string) => `error="${code}", error_description="${description}"`
