import { afterAll, beforeAll } from 'bun:test'
import type { Clock, TokenCacheListener } from '@repo/access-token'
import { type AuthConfig, loadAuthConfig } from '@repo/auth-config'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { createApp } from '../src/app.ts'
import { createAuthRuntime } from '../src/auth.ts'
import { type Logger, silentLogger } from '../src/logger.ts'

export const audience = 'https://api.example.test'

const opened: { keySet: { close(): void } }[] = []
/** Closes every key set `createTestApi` made so far (their timers and fetches end with the test file). */
export function closeTestApis(): void {
  for (const runtime of opened.splice(0)) runtime.keySet.close()
}

/** The production wiring (config → runtime → app) pointed at a local issuer (stub or real). */
export function createTestApi(
  issuer: { baseUrl: string },
  options: {
    env?: Record<string, string>
    clock?: Clock
    logger?: Logger
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
