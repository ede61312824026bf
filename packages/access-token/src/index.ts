export type { Authenticator, AuthenticatorOptions, AuthRequest } from './authenticate.ts'
export { createAuthenticator } from './authenticate.ts'
export type { AuthErrorResponse, ChallengeOptions } from './bearer/challenge.ts'
export { buildChallenge, toAuthErrorResponse } from './bearer/challenge.ts'
export type { BearerRequest } from './bearer/extract-token.ts'
export { extractBearerToken, hasQueryToken, MAX_AUTHORIZATION_LENGTH } from './bearer/extract-token.ts'
export type {
  AnyAuthError,
  AuthErrorCode,
  AuthOutcome,
  InvalidRequestReason,
  InvalidTokenReason,
  IssuerUnavailableReason,
} from './errors.ts'
export {
  AUTH_OUTCOMES,
  AuthError,
  authOutcome,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
} from './errors.ts'
export type { IssuerMetadata } from './jwks/discovery.ts'
export { discoverIssuer, discoveryUrl } from './jwks/discovery.ts'
export type { KeySetEvent, KeySetListener } from './jwks/key-set-events.ts'
export type { LocalKeysOptions } from './jwks/local-keys.ts'
export { createLocalKeys } from './jwks/local-keys.ts'
export type { KeySnapshot, PublishedKey } from './jwks/published-keys.ts'
export type {
  KeySetHealth,
  KeySetPhase,
  KeySetSource,
  RemoteKeySet,
  RemoteKeySetOptions,
} from './jwks/remote-key-set.ts'
export { createRemoteKeySet } from './jwks/remote-key-set.ts'
export type { TransportPolicy, TransportProblem } from './jwks/transport-policy.ts'
export { HTTPS_ONLY, isLoopbackHost, redactUrl, transportProblem } from './jwks/transport-policy.ts'
export type { SupportedAlgorithm } from './jwt/algorithms.ts'
export { SUPPORTED_ALGORITHMS } from './jwt/algorithms.ts'
export type { AccessRequirement } from './jwt/scopes.ts'
export { assertAccess, parseStringList, validateAccessRequirement } from './jwt/scopes.ts'
export type {
  AccessTokenClaims,
  AccessTokenPrincipal,
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  IssuerKeys,
} from './jwt/verify-access-token.ts'
export { createAccessTokenVerifier, MAX_CANDIDATE_KEYS } from './jwt/verify-access-token.ts'
export type { Clock } from './time/clock.ts'
export { systemClock } from './time/clock.ts'
