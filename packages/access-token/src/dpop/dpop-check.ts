import { createHash } from 'node:crypto'
import type { AuthScheme, Credentials } from '../bearer/extract-token.ts'
import {
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  MissingCredentialsError,
  UseDpopNonceError,
} from '../errors.ts'
import type { AuthRequest } from '../http/auth-request.ts'
import type { PublicOrigin } from '../http/public-origin.ts'
import type { AccessTokenClaims } from '../jwt/verify-access-token.ts'
import type { Clock } from '../time/clock.ts'
import { requestHtu } from './htu.ts'
import type { DpopNonces } from './nonce.ts'
import { DPOP_ALGORITHMS, type DpopAlgorithm, isDpopAlgorithm } from './proof-key.ts'
import type { ReplayStore } from './replay-store.ts'
import { verifyDpopProof } from './verify-proof.ts'

/**
 * `allowed`: Bearer and DPoP tokens (Auth0's SDKs' default); `required`: DPoP only; `disabled`: Bearer only, the
 * `DPoP` scheme is "another scheme" and `DPoP` headers are not read.
 */
export type DpopMode = 'allowed' | 'required' | 'disabled'

export interface DpopOptions {
  /** @default "allowed" */
  readonly mode?: DpopMode
  /** @default DPOP_ALGORITHMS */
  readonly algorithms?: readonly DpopAlgorithm[]
  /** @default 300 */
  readonly iatOffsetSeconds?: number
  /** @default 30 */
  readonly iatLeewaySeconds?: number
  /** Where proofs' `jti`s are kept; one per process, or shared by every replica. */
  readonly replayStore: ReplayStore
  /** Server nonces (RFC 9449 §9); without them, proofs need none. */
  readonly nonces?: DpopNonces | undefined
}

/** What a request proved about its key; `nonce` is a fresh nonce to hand back (`DPoP-Nonce`) when the old one ages. */
export interface DpopConfirmation {
  readonly jkt: string
  readonly nonce?: string
}

export interface DpopCheck {
  readonly mode: DpopMode
  readonly algorithms: readonly DpopAlgorithm[]
  /** The schemes this mode accepts, for the challenges. */
  readonly schemes: readonly AuthScheme[]
  /** The header-only rules of the mode, before any token is verified. */
  precheck(credentials: Credentials): void
  /**
   * The proof and the binding of a verified token, on every request. A Bearer token is checked at once (it throws,
   * or returns undefined: no promise to wait for); a DPoP token resolves to what its proof confirmed.
   */
  confirm(
    request: AuthRequest,
    credentials: Credentials,
    claims: AccessTokenClaims,
  ): Promise<DpopConfirmation> | undefined
}

function checkSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 3600) {
    throw new TypeError(`"${name}" option must be a whole number of seconds from 0 to 3600`)
  }
  return value
}

/** The key a proof is remembered under: its key's thumbprint and its `jti`, hashed (RFC 9449 §11.1: bounded). */
function replayKey(thumbprint: string, jti: string): string {
  return createHash('sha256').update(`${thumbprint}\n${jti}`).digest('base64url')
}

/** The token's `cnf.jkt` (RFC 9449 §6.1), or undefined when the token is not bound by a JWK thumbprint. */
function boundThumbprint(claims: AccessTokenClaims): string | undefined {
  const cnf: unknown = claims.cnf
  if (typeof cnf !== 'object' || cnf === null) return undefined
  const jkt: unknown = (cnf as { jkt?: unknown }).jkt
  return typeof jkt === 'string' && jkt !== '' ? jkt : undefined
}

/** RFC 9449 §7: the mode's rules, then the proof, its binding to the token, the nonce and the replay check. */
export function createDpopCheck(options: DpopOptions & { publicOrigin: PublicOrigin; clock: Clock }): DpopCheck {
  const mode = options.mode ?? 'allowed'
  if (!['allowed', 'required', 'disabled'].includes(mode)) throw new TypeError('"mode" option is not a DPoP mode')
  const algorithms = [...(options.algorithms ?? DPOP_ALGORITHMS)]
  if (algorithms.length === 0 || !algorithms.every(isDpopAlgorithm)) {
    throw new TypeError(`"algorithms" option must list some of ${DPOP_ALGORITHMS.join(', ')}`)
  }
  const policy = {
    algorithms,
    iatOffsetSeconds: checkSeconds('iatOffsetSeconds', options.iatOffsetSeconds ?? 300),
    iatLeewaySeconds: checkSeconds('iatLeewaySeconds', options.iatLeewaySeconds ?? 30),
  }
  const { replayStore, nonces, publicOrigin, clock } = options
  const schemes: readonly AuthScheme[] =
    mode === 'allowed' ? ['bearer', 'dpop'] : mode === 'required' ? ['dpop'] : ['bearer']

  return {
    mode,
    algorithms,
    schemes,
    precheck({ scheme, proofs }) {
      if (mode === 'disabled') {
        if (scheme === 'dpop') throw MissingCredentialsError.of('unsupported_scheme')
        return
      }
      if (scheme === 'bearer') {
        if (mode === 'required') throw MissingCredentialsError.of('dpop_required')
        // A proof with a Bearer token: the client meant DPoP or is confused; either way ambiguous (RFC 9449 §7.2).
        if (proofs.length > 0) throw InvalidRequestError.of('dpop_proof_with_bearer')
        return
      }
      if (proofs.length === 0) throw InvalidRequestError.of('missing_dpop_proof')
    },

    confirm(request, credentials, claims) {
      if (credentials.scheme === 'bearer') {
        // RFC 9449 §7.2: a bound token sent as a bearer token is refused (a downgrade). Any `cnf` counts: a token
        // bound to something this API cannot check (a certificate) must not become a bearer token either.
        if (claims.cnf !== undefined) throw InvalidTokenError.of('dpop_bound')
        return undefined
      }
      return confirmProof(request, credentials, claims)
    },
  }

  async function confirmProof(
    request: AuthRequest,
    { token, proofs }: Credentials,
    claims: AccessTokenClaims,
  ): Promise<DpopConfirmation> {
    const now = clock.now()
    const htu = requestHtu(publicOrigin(request), request.url)
    if (htu === undefined) throw new InvalidDpopProofError('url')
    const proof = await verifyDpopProof(proofs, { method: request.method, htu, accessToken: token, now }, policy)
    // RFC 9449 §6, §7.1: the token is bound to the proof's key (RFC 9449 figure 16: invalid_token).
    if (boundThumbprint(claims) !== proof.thumbprint) throw InvalidTokenError.of('dpop_binding')
    let nonce: string | undefined
    if (nonces !== undefined) {
      // RFC 9449 §11.3: once nonces are handed out, no proof without one is accepted.
      if (proof.nonce === undefined) throw new UseDpopNonceError('missing', nonces.current())
      const state = nonces.check(proof.nonce)
      if (state === 'invalid') throw new UseDpopNonceError('invalid', nonces.current())
      if (state === 'previous') nonce = nonces.current()
    }
    // Held while the proof could be accepted (iat + offset), plus the leeway again for replicas whose clocks
    // run behind this one's. Claimed last, so that only proofs bound to a valid token ever reach the store.
    const ttlMs = (proof.iat + policy.iatOffsetSeconds + policy.iatLeewaySeconds + 1) * 1000 - now
    if (!(await replayStore.claimOnce(replayKey(proof.thumbprint, proof.jti), ttlMs))) {
      throw new InvalidDpopProofError('replayed')
    }
    return nonce === undefined ? { jkt: proof.thumbprint } : { jkt: proof.thumbprint, nonce }
  }
}
