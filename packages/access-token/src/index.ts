export type {
  AuthenticatedPrincipal,
  Authenticator,
  AuthenticatorOptions,
  AuthRequest,
} from './authenticate.ts'
export { createAuthenticator } from './authenticate.ts'
export type { AuthErrorResponse, ChallengeError, ChallengeOptions } from './bearer/challenge.ts'
export { buildChallenge, toAuthErrorResponse } from './bearer/challenge.ts'
export type { AuthScheme, BearerRequest, CredentialRequest, Credentials } from './bearer/extract-token.ts'
export {
  extractBearerToken,
  extractCredentials,
  hasQueryToken,
  MAX_AUTHORIZATION_LENGTH,
} from './bearer/extract-token.ts'
export type { DpopCheck, DpopConfirmation, DpopMode, DpopOptions } from './dpop/dpop-check.ts'
export { createDpopCheck } from './dpop/dpop-check.ts'
export { normalizeHtu, requestHtu } from './dpop/htu.ts'
export type { DpopNonceOptions, DpopNonces } from './dpop/nonce.ts'
export { createDpopNonces, MIN_NONCE_SECRET_BYTES } from './dpop/nonce.ts'
export type { DpopAlgorithm, ProofKey } from './dpop/proof-key.ts'
export { DPOP_ALGORITHMS, importProofKey, isDpopAlgorithm } from './dpop/proof-key.ts'
export type { RedisConnection, RedisReplayStoreEvent, RedisReplayStoreOptions } from './dpop/redis-replay-store.ts'
export { createRedisReplayStore } from './dpop/redis-replay-store.ts'
export type { MemoryReplayStoreOptions, ReplayStore } from './dpop/replay-store.ts'
export { createMemoryReplayStore } from './dpop/replay-store.ts'
export type { DpopProofContext, DpopProofPolicy, VerifiedDpopProof } from './dpop/verify-proof.ts'
export { accessTokenHash, MAX_DPOP_PROOF_LENGTH, MAX_JTI_LENGTH, verifyDpopProof } from './dpop/verify-proof.ts'
export type {
  AnyAuthError,
  AuthErrorCode,
  AuthOutcome,
  InvalidDpopProofReason,
  InvalidRequestReason,
  InvalidTokenReason,
  IssuerUnavailableReason,
  MissingCredentialsReason,
  ReplayStoreUnavailableReason,
} from './errors.ts'
export {
  AUTH_OUTCOMES,
  AuthError,
  authOutcome,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingCredentialsError,
  ReplayStoreUnavailableError,
  UseDpopNonceError,
} from './errors.ts'
export type { PublicOrigin, PublicOriginOptions } from './http/public-origin.ts'
export { createPublicOrigin } from './http/public-origin.ts'
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
export type { SignatureCheck } from './jwt/signature.ts'
export type {
  TokenCacheEvent,
  TokenCacheEvictionCause,
  TokenCacheListener,
  TokenCacheOptions,
  TokenCacheStats,
  TokenCacheView,
} from './jwt/token-cache.ts'
export { DEFAULT_TOKEN_CACHE_ENTRIES, DEFAULT_TOKEN_CACHE_MAX_AGE_SECONDS } from './jwt/token-cache.ts'
export type {
  AccessTokenClaims,
  AccessTokenPrincipal,
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  IssuerKeys,
  KeysAtHand,
} from './jwt/verify-access-token.ts'
export { createAccessTokenVerifier, MAX_CANDIDATE_KEYS } from './jwt/verify-access-token.ts'
export type {
  ProtectedResourceMetadata,
  ProtectedResourceMetadataOptions,
} from './resource/protected-resource-metadata.ts'
export {
  createProtectedResourceMetadata,
  PROTECTED_RESOURCE_WELL_KNOWN,
  protectedResourceMetadataPath,
} from './resource/protected-resource-metadata.ts'
export type { Clock } from './time/clock.ts'
export { systemClock } from './time/clock.ts'
