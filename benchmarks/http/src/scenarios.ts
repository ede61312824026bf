// What each server is loaded with: one path, one kind of credential, one expected status. Scenarios are data;
// the runner loads every one against every server.
import { generateTestKey, type IssuerStub } from '@repo/testing'
import type { TokenPool } from './token-pool.ts'

export type Credential =
  | { readonly kind: 'none' }
  /** The same `Authorization` value on every request. */
  | { readonly kind: 'header'; readonly authorization: string }
  /** A different token on every request, from the pool's file. */
  | { readonly kind: 'pool'; readonly pool: TokenPool }

export interface Scenario {
  /** Short and stable: `BENCH_SCENARIOS` selects by it and the ratios name it. */
  readonly id: string
  readonly label: string
  readonly path: string
  readonly credential: Credential
  readonly expectedStatus: number
}

export interface ScenarioTokens {
  /** One valid token, sent again and again. */
  readonly repeated: string
  /** Signed by another key under the issuer's `kid`: the signature check fails. */
  readonly badSignature: string
  /** Signed by a key whose `kid` the issuer never published. */
  readonly unknownKid: string
  /** More distinct tokens than any cache of ours holds: every request is a cache miss. */
  readonly pool: TokenPool
  /** Fewer distinct tokens than the API's default cache holds (1,000): after the warm-up, every request a hit. */
  readonly cachedPool: TokenPool
}

/** The three refusal tokens' keys are made for this run, like the issuer's own. */
export async function mintScenarioTokens(
  issuer: IssuerStub,
  claims: Readonly<Record<string, unknown>>,
  pools: { readonly pool: TokenPool; readonly cachedPool: TokenPool },
): Promise<ScenarioTokens> {
  const impostor = await generateTestKey(issuer.signingKey.alg, issuer.signingKey.kid)
  const stranger = await generateTestKey(issuer.signingKey.alg, 'bench-unknown-kid')
  return {
    repeated: await issuer.mint(claims),
    badSignature: await issuer.mint(claims, { key: impostor }),
    unknownKid: await issuer.mint(claims, { key: stranger }),
    ...pools,
  }
}

const bearer = (token: string): Credential => ({ kind: 'header', authorization: `Bearer ${token}` })

export function createScenarios(tokens: ScenarioTokens): Scenario[] {
  return [
    { id: 'public', label: 'public', path: '/api/public', credential: { kind: 'none' }, expectedStatus: 200 },
    {
      id: 'private-repeated',
      label: 'private, one repeated token',
      path: '/api/private',
      credential: bearer(tokens.repeated),
      expectedStatus: 200,
    },
    {
      id: 'private-distinct',
      label: `private, ${tokens.pool.size.toLocaleString('en-US')} distinct tokens`,
      path: '/api/private',
      credential: { kind: 'pool', pool: tokens.pool },
      expectedStatus: 200,
    },
    {
      id: 'private-cached',
      label: `private, ${tokens.cachedPool.size.toLocaleString('en-US')} distinct tokens (fit in the cache)`,
      path: '/api/private',
      credential: { kind: 'pool', pool: tokens.cachedPool },
      expectedStatus: 200,
    },
    {
      id: 'bad-signature',
      label: 'bad signature',
      path: '/api/private',
      credential: bearer(tokens.badSignature),
      expectedStatus: 401,
    },
    {
      id: 'unknown-kid',
      label: 'unknown kid',
      path: '/api/private',
      credential: bearer(tokens.unknownKid),
      expectedStatus: 401,
    },
    { id: 'no-token', label: 'no token', path: '/api/private', credential: { kind: 'none' }, expectedStatus: 401 },
  ]
}

/** The `Authorization` value a single sample request of the scenario carries, if any. */
export function sampleAuthorization(credential: Credential): string | undefined {
  switch (credential.kind) {
    case 'none':
      return undefined
    case 'header':
      return credential.authorization
    case 'pool':
      return `Bearer ${credential.pool.sample}`
  }
}
