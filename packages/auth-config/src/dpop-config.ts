import { DPOP_ALGORITHMS, type DpopAlgorithm, type DpopMode, MIN_NONCE_SECRET_BYTES } from '@repo/access-token'
import { type Reader, read } from './reader.ts'

/** Where accepted proofs' `jti`s are kept: this process only, or a Redis every replica shares. */
export type ReplayStoreConfig =
  | { readonly kind: 'memory'; readonly maxEntries: number }
  | { readonly kind: 'redis'; readonly url: string }

/** DPoP (RFC 9449) settings; Auth0's SDKs' defaults unless set. */
export interface DpopConfig {
  readonly mode: DpopMode
  readonly algorithms: readonly DpopAlgorithm[]
  readonly iatOffsetSeconds: number
  readonly iatLeewaySeconds: number
  /** The HMAC secret of server nonces (RFC 9449 §9), shared by every replica; undefined: no nonces. */
  readonly nonceSecret: string | undefined
  readonly replayStore: ReplayStoreConfig
}

const MODES: readonly DpopMode[] = ['allowed', 'required', 'disabled']
// The URL schemes Bun's Redis client takes; anything else would throw when the store is created.
const REDIS_PROTOCOLS = ['redis:', 'rediss:', 'valkey:', 'valkeys:', 'redis+tls:', 'redis+unix:', 'redis+tls+unix:']

function mode(reader: Reader): DpopMode {
  const raw = read(reader.env, 'AUTH0_DPOP_MODE')?.toLowerCase()
  if (raw === undefined) return 'allowed'
  if ((MODES as readonly string[]).includes(raw)) return raw as DpopMode
  reader.fail('AUTH0_DPOP_MODE', 'must be allowed, required or disabled', 'required')
  return 'allowed'
}

function nonceSecret(reader: Reader, dpopMode: DpopMode): string | undefined {
  const enabled = reader.flag('AUTH0_DPOP_NONCE')
  // Never trimmed beyond what `read` does, never echoed: the message names the variable and the rule only.
  const secret = read(reader.env, 'AUTH0_DPOP_NONCE_SECRET')
  const example = '$(openssl rand -base64 48)'
  if (!enabled) {
    if (secret !== undefined)
      reader.warnings.push('AUTH0_DPOP_NONCE_SECRET is set but AUTH0_DPOP_NONCE is not true: ignored')
    return undefined
  }
  if (dpopMode === 'disabled') {
    reader.warnings.push('AUTH0_DPOP_NONCE is ignored: AUTH0_DPOP_MODE is disabled')
    return undefined
  }
  if (secret === undefined) {
    return reader.fail(
      'AUTH0_DPOP_NONCE_SECRET',
      'is required when AUTH0_DPOP_NONCE=true (the same on every replica)',
      example,
    )
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_NONCE_SECRET_BYTES) {
    return reader.fail('AUTH0_DPOP_NONCE_SECRET', `must be at least ${MIN_NONCE_SECRET_BYTES} bytes`, example)
  }
  return secret
}

function replayStore(reader: Reader, dpopMode: DpopMode): ReplayStoreConfig {
  const maxEntries = reader.integer('AUTH0_DPOP_REPLAY_CACHE_SIZE', 100_000, 1000, 10_000_000, '100000')
  const raw = read(reader.env, 'REDIS_URL')
  if (raw === undefined) return { kind: 'memory', maxEntries }
  if (dpopMode === 'disabled') reader.warnings.push('REDIS_URL is not used: AUTH0_DPOP_MODE is disabled')
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  if (url === undefined || !REDIS_PROTOCOLS.includes(url.protocol)) {
    // The value may hold a password: the message never repeats it.
    reader.fail('REDIS_URL', `must be a URL with one of the schemes ${REDIS_PROTOCOLS.join(' ')}`, 'redis://redis:6379')
    return { kind: 'memory', maxEntries }
  }
  return { kind: 'redis', url: raw }
}

/** AUTH0_DPOP_* and REDIS_URL. */
export function loadDpopConfig(reader: Reader): DpopConfig {
  const dpopMode = mode(reader)
  return {
    mode: dpopMode,
    algorithms: reader.list('AUTH0_DPOP_ALGORITHMS', DPOP_ALGORITHMS, DPOP_ALGORITHMS, 'ES256,EdDSA'),
    iatOffsetSeconds: reader.integer('AUTH0_DPOP_IAT_OFFSET', 300, 1, 3600, '300'),
    iatLeewaySeconds: reader.integer('AUTH0_DPOP_IAT_LEEWAY', 30, 0, 300, '30'),
    nonceSecret: nonceSecret(reader, dpopMode),
    replayStore: replayStore(reader, dpopMode),
  }
}
