import type { JWK } from 'jose'
import { InvalidTokenError } from '../errors.ts'
import type { IssuerKeys } from '../jwt/verify-access-token.ts'
import { createKeySnapshot, publicSigningKeys } from './published-keys.ts'

export interface LocalKeysOptions {
  /** The exact `iss` tokens must carry. */
  readonly issuer: string
  /** A JWKS held in memory (keys shipped with the configuration, or tests). */
  readonly jwks: { readonly keys: readonly JWK[] }
}

/** A key source that never fetches: the same key selection as the remote key set, over a fixed JWKS. */
export function createLocalKeys(options: LocalKeysOptions): IssuerKeys {
  const keys = publicSigningKeys(options.jwks)
  if (keys === undefined) throw new TypeError('"jwks" option must hold at least one public RSA, EC or OKP key')
  const snapshot = createKeySnapshot(keys, { fetchedAt: 0, freshUntil: Number.POSITIVE_INFINITY })
  const issuer = options.issuer
  return {
    issuer: async () => issuer,
    async keysFor(alg, kid) {
      if (kid !== undefined && !snapshot.hasKid(kid)) throw InvalidTokenError.of('unknown_key')
      return snapshot.candidates(alg, kid)
    },
    keysNow: (alg, kid) =>
      kid !== undefined && !snapshot.hasKid(kid) ? undefined : { issuer, candidates: snapshot.candidates(alg, kid) },
  }
}
