import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  createRemoteKeySet,
  type KeySetEvent,
  type RemoteKeySet,
} from '@repo/access-token'
import type { AuthConfig } from '@repo/auth-config'
import type { Logger } from './logger.ts'

/** The process-wide auth objects: one key set (one cache, one fetch in flight) and its verifier. */
export interface AuthRuntime {
  readonly keySet: RemoteKeySet
  readonly verifier: AccessTokenVerifier
}

export interface AuthRuntimeIO {
  readonly fetch?: typeof fetch
  readonly now?: () => number
  readonly logger: Logger
}

function logKeySetEvent(logger: Logger, event: KeySetEvent): void {
  const { type, ...fields } = event
  if (type === 'jwks_fetch_failed') logger.warn(type, fields)
  else logger.info(type, fields)
}

/** Turns the validated configuration into the verifier the routes use. */
export function createAuthRuntime(config: AuthConfig, io: AuthRuntimeIO): AuthRuntime {
  const source =
    config.issuer.kind === 'auth0'
      ? { issuer: config.issuer.issuer, jwksUri: config.issuer.jwksUri }
      : { discoveryBaseUrl: config.issuer.baseUrl }
  const keySet = createRemoteKeySet({
    source,
    timeoutMs: config.jwks.timeoutMs,
    cooldownMs: config.jwks.cooldownMs,
    staleIfErrorMs: config.jwks.staleIfErrorMs,
    onEvent: (event) => logKeySetEvent(io.logger, event),
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
    ...(io.now === undefined ? {} : { now: io.now }),
  })
  const verifier = createAccessTokenVerifier({
    keys: keySet,
    audience: config.audience,
    algorithms: config.algorithms,
    clockToleranceSeconds: config.clockToleranceSeconds,
    strict: config.strictProfile,
    ...(config.maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds: config.maxTokenAgeSeconds }),
    ...(io.now === undefined ? {} : { now: io.now }),
  })
  return { keySet, verifier }
}
