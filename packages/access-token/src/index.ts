export type { AuthErrorResponse, ChallengeOptions } from './bearer/challenge.ts'
export { buildChallenge, toAuthErrorResponse } from './bearer/challenge.ts'
export type { BearerRequest } from './bearer/extract-token.ts'
export { extractBearerToken, MAX_AUTHORIZATION_LENGTH } from './bearer/extract-token.ts'
export type {
  AnyAuthError,
  AuthErrorCode,
  InvalidRequestReason,
  InvalidTokenReason,
  IssuerUnavailableReason,
} from './errors.ts'
export {
  AuthError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
} from './errors.ts'
export type { IssuerMetadata } from './jwks/discovery.ts'
export { discoverIssuer, discoveryUrl } from './jwks/discovery.ts'
export type {
  KeySetEvent,
  KeySetHealth,
  KeySetSource,
  RemoteKeySet,
  RemoteKeySetOptions,
} from './jwks/remote-key-set.ts'
export { createRemoteKeySet } from './jwks/remote-key-set.ts'
export type { AccessRequirement } from './jwt/scopes.ts'
export { assertAccess, parseStringList, validateAccessRequirement } from './jwt/scopes.ts'
export type {
  AccessTokenClaims,
  AccessTokenPrincipal,
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  IssuerKeys,
  SupportedAlgorithm,
} from './jwt/verify-access-token.ts'
export { createAccessTokenVerifier, SUPPORTED_ALGORITHMS } from './jwt/verify-access-token.ts'
