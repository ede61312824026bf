// Tens of thousands of distinct valid tokens, written one a line to a file that lua/token-pool.lua cycles
// through: with a pool larger than any plausible cache, every request is a cache miss.
import { join } from 'node:path'
import type { IssuerStub } from '@repo/testing'

export interface TokenPoolOptions {
  readonly issuer: IssuerStub
  /** How many tokens. `BENCH_TOKENS`, default 20,000. */
  readonly size: number
  /** Claims every token carries besides the stub's defaults and a unique `jti`. */
  readonly claims?: Readonly<Record<string, unknown>>
  /** A temporary directory: the file is made per run and never kept. */
  readonly dir: string
  /** The file's name in `dir`. @default "tokens.txt" */
  readonly fileName?: string
  /** Prefix of each token's `jti`, so that two pools never share a token. @default "bench" */
  readonly jtiPrefix?: string
}

export interface TokenPool {
  readonly file: string
  readonly size: number
  /** The first token of the pool, to check the scenario before loading it. */
  readonly sample: string
  readonly mintSeconds: number
}

/** Signatures in flight at once: WebCrypto signs on a thread pool, so batches use every core. */
const batchSize = 256

/** Mints `size` tokens that differ only by `jti`, in parallel batches, and writes them to `<dir>/<fileName>`. */
export async function createTokenPool({
  issuer,
  size,
  claims = {},
  dir,
  fileName = 'tokens.txt',
  jtiPrefix = 'bench',
}: TokenPoolOptions): Promise<TokenPool> {
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`the token pool size must be a positive integer`)
  const started = performance.now()
  const tokens: string[] = []
  for (let from = 0; from < size; from += batchSize) {
    const count = Math.min(batchSize, size - from)
    const batch = Array.from({ length: count }, (_, offset) =>
      issuer.mint({ ...claims, jti: `${jtiPrefix}-${from + offset}` }),
    )
    tokens.push(...(await Promise.all(batch)))
  }
  const file = join(dir, fileName)
  await Bun.write(file, `${tokens.join('\n')}\n`)
  return { file, size, sample: tokens[0] as string, mintSeconds: (performance.now() - started) / 1000 }
}
