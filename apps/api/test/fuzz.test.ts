import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MAX_AUTHORIZATION_LENGTH } from '@repo/access-token'
import { generateTestKey, hmacSha256, type IssuerStub, startIssuerStub, type TestKey } from '@repo/testing'
import { audience, createTestApi, DPOP_ALGS, RESOURCE_METADATA } from './helpers.ts'

// Thousands of hostile Authorization headers against the protected routes, through the production
// wiring. Every answer must be a well-formed RFC 6750 refusal: 400 or 401, a strict challenge, a fixed
// JSON body, nothing echoed. The default seed is fixed so that CI is repeatable; `FUZZ_SEED=random`
// explores new inputs, and a failure names its seed: `FUZZ_SEED=<seed> bun test apps/api/test/fuzz.test.ts`
// replays the same inputs (the keys are new on every run, so signatures differ, but every mutation and
// header is the same).

const DEFAULT_SEED = 20_261_130
const SEED =
  process.env.FUZZ_SEED === 'random'
    ? (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0)
    : process.env.FUZZ_SEED === undefined
      ? DEFAULT_SEED
      : Number(process.env.FUZZ_SEED) >>> 0

const ROUTES = ['/api/private', '/api/private-scoped'] as const
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const ERROR =
  '(?:error="(invalid_request|invalid_token)", error_description="([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*)", )?'
// Both challenges of the default mode, each with resource_metadata; the error on at most one of them.
const CHALLENGE = new RegExp(
  `^Bearer realm="api", ${ERROR}${escapeRegExp(RESOURCE_METADATA)}, DPoP ${ERROR}${escapeRegExp(DPOP_ALGS)}, ${escapeRegExp(RESOURCE_METADATA)}$`,
)
// Text only jose, the runtime or a stack trace would produce; our own messages contain none of it.
// (A bare "claim" is not listed: "The access token lacks a required claim" is ours.)
const LIBRARY_FRAGMENTS = [
  'JWS',
  'JWT',
  'JWK',
  'JOSE',
  '"alg"',
  '"kid"',
  '"crit"',
  '"b64"',
  'Header Parameter',
  '" claim',
  'claim timestamp',
  'claim value',
  'signature verification failed',
  'base64url',
  'Compact',
  'ERR_',
  'Error',
  'JSON Parse',
  'Unexpected',
  'CryptoKey',
  'node_modules',
  'undefined',
  'Expected 200',
]
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const MISSING = Symbol('missing')

/** mulberry32: tiny, fast and good enough to spread inputs; the point is that a seed replays them. */
class Rng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  chance(probability: number): boolean {
    return this.next() < probability
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T
  }
  /** A length skewed towards short values, sometimes up to `max`. */
  length(max: number): number {
    const bucket = this.next()
    if (bucket < 0.2) return this.int(0, 8)
    if (bucket < 0.7) return this.int(9, 200)
    if (bucket < 0.9) return this.int(201, Math.min(4000, max))
    return this.int(Math.min(4001, max), max)
  }
}

/** Each family gets its own stream, so adding inputs to one family does not change the others. */
function familySeed(name: string): number {
  let hash = 0x811c9dc5
  for (const char of name) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193)
  return (SEED ^ hash) >>> 0
}

const encoder = new TextEncoder()
const b64u = (data: string | Uint8Array) =>
  Buffer.from(typeof data === 'string' ? encoder.encode(data) : data).toString('base64url')
const truncate = (text: string, max = 160) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`

function randomBytes(rng: Rng, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rng.int(0, 255))
}

async function sign(key: TestKey, input: string): Promise<string> {
  const algorithm = key.alg.startsWith('ES') ? { name: 'ECDSA', hash: 'SHA-256' } : 'RSASSA-PKCS1-v1_5'
  return b64u(new Uint8Array(await crypto.subtle.sign(algorithm, key.privateKey, encoder.encode(input))))
}

// Character classes for random text. The Headers API refuses NUL, CR, LF and anything above U+00FF, so
// those are drawn rarely: otherwise nearly every long string would be refused before reaching the app.
const LATIN1_CLASSES: readonly ((rng: Rng) => string)[] = [
  (rng) => rng.pick([...BASE64URL_ALPHABET, '.', '~', '+', '/', '=']),
  (rng) => String.fromCharCode(rng.int(0x20, 0x7e)),
  (rng) => String.fromCharCode(rng.chance(0.02) ? rng.pick([0, 10, 13]) : rng.pick([1, 7, 8, 9, 11, 12, 27, 31, 127])),
  (rng) => String.fromCharCode(rng.int(0x80, 0xff)),
  (rng) => rng.pick([' ', '\t', '\v', '\f', '\xa0']),
]
const WIDE_CLASSES: readonly ((rng: Rng) => string)[] = [
  (rng) => String.fromCharCode(rng.int(0x100, 0xffff)),
  (rng) => String.fromCodePoint(rng.int(0x10000, 0x10ffff)),
  (rng) => rng.pick(['\u2028', '\ufeff', '\u202e', '\ud800']),
]

function randomText(rng: Rng, length: number): string {
  const classes = Array.from({ length: rng.int(1, 3) }, () => rng.pick(LATIN1_CLASSES))
  if (rng.chance(0.1)) classes.push(rng.pick(WIDE_CLASSES))
  let text = ''
  while (text.length < length) text += rng.pick(classes)(rng)
  return text
}

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 4 : 7)) {
    case 0:
      return null
    case 1:
      return rng.chance(0.5)
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53 + 1, 1e308, -1e-308, rng.int(0, 2 ** 31)])
    case 3:
      return randomText(rng, rng.int(0, 40))
    case 4:
      return rng.pick(['', 'read:messages', 'admin', '__proto__', '../../etc/passwd', '\u0000', 'x'.repeat(300)])
    case 5:
      return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1))
    default: {
      const value: Record<string, unknown> = {}
      for (let i = rng.int(0, 4); i > 0; i--) {
        value[rng.pick(['iss', 'aud', 'exp', 'sub', 'scope', 'permissions', randomText(rng, 6)])] = randomJson(
          rng,
          depth + 1,
        )
      }
      return value
    }
  }
}

interface Sent {
  /** The header as the Request holds it (the Headers API trims and joins). */
  readonly authorization: string
  readonly expected: 'refused' | 'accepted'
}

/** What is wrong with an answer; empty when it is right. */
function problemsWith(sent: Sent, response: Response, text: string, issuerId: string): string[] {
  const problems: string[] = []
  const { status } = response
  if (sent.expected === 'accepted') {
    if (status !== 200) problems.push(`expected 200, got ${status}`)
    else if (!text.includes(JSON.stringify(issuerId))) problems.push('200 without the claims')
    return problems
  }
  if (status >= 200 && status < 300) problems.push(`accepted (${status})`)
  if (status >= 500) problems.push(`server error (${status})`)
  if (status !== 400 && status !== 401) problems.push(`status ${status} is neither 400 nor 401`)
  // The size bound comes before anything else, whatever the header holds.
  if (sent.authorization.length > MAX_AUTHORIZATION_LENGTH && status !== 400) {
    problems.push('oversized header not 400')
  }
  if (response.headers.get('cache-control') !== 'no-store') problems.push('no cache-control: no-store')
  if (!response.headers.get('content-type')?.startsWith('application/json')) problems.push('body is not JSON')

  const challenge = response.headers.get('www-authenticate')
  const match = challenge === null ? null : CHALLENGE.exec(challenge)
  if (match === null) problems.push(`malformed challenge ${JSON.stringify(challenge)}`)

  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    problems.push('body does not parse')
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const keys = Object.keys(record).sort()
  if (keys.join() !== 'error,error_description') problems.push(`body keys ${JSON.stringify(keys)}`)
  const { error, error_description: description } = record
  if (typeof error !== 'string' || typeof description !== 'string') problems.push('error fields are not strings')
  else if (/["\\]/.test(description)) problems.push('error_description holds " or \\')

  // The challenge, the body and the status must tell the same story.
  // When the scheme cannot be told (RFC 9449 §7.2), both challenges carry the error: the same one.
  if (match?.[1] !== undefined && match[3] !== undefined && (match[1] !== match[3] || match[2] !== match[4])) {
    problems.push('different errors on the two challenges')
  }
  if (match !== null) {
    const code = match[1] ?? match[3]
    const challengeDescription = match[2] ?? match[4]
    const expectedError = code ?? 'unauthorized'
    if (error !== expectedError) problems.push(`body error ${String(error)} but challenge ${String(code)}`)
    if (code !== undefined && challengeDescription !== description) problems.push('descriptions differ')
    if (status === 400 && code !== 'invalid_request') problems.push('400 without invalid_request')
    if (status === 401 && code === 'invalid_request') problems.push('401 with invalid_request')
  }

  const exposed = `${text}\n${challenge ?? ''}`
  const space = sent.authorization.indexOf(' ')
  const credential = space === -1 ? sent.authorization : sent.authorization.slice(space + 1)
  for (const piece of [credential, ...credential.split(/[.\s,]+/)]) {
    if (piece.length >= 8 && exposed.includes(piece)) problems.push(`echoes ${JSON.stringify(truncate(piece, 40))}`)
  }
  // Part of a token echoed back: any 12 characters of the answer without a space, found in the credential.
  for (let at = 0; at + 12 <= exposed.length; at++) {
    const window = exposed.slice(at, at + 12)
    if (!/\s/.test(window) && credential.includes(window)) {
      problems.push(`echoes part of the credential ${JSON.stringify(window)}`)
      break
    }
  }
  for (const fragment of LIBRARY_FRAGMENTS) {
    if (exposed.includes(fragment)) problems.push(`library text ${JSON.stringify(fragment)}`)
  }
  // The resource metadata URL is ours (`oauth-protected-resource` alone is 24 such characters).
  if (/[A-Za-z0-9_-]{24,}/.test(exposed.replaceAll(RESOURCE_METADATA, ''))) {
    problems.push('token-like text in the answer')
  }
  return problems
}

let issuer: IssuerStub
let attacker: IssuerStub
let attackerEcKey: TestKey
let api: ReturnType<typeof createTestApi>
let app: ReturnType<typeof createTestApi>['app']
/** Correctly signed tokens, each unique (`jti`), all granting `read:messages`. */
let pool: string[] = []
const totals = { sent: 0, skipped: 0, statuses: {} as Record<number, number> }
const startedAt = performance.now()

/** One generator family: its own random stream, its failures, and a way to send an input. */
function family(name: string) {
  const rng = new Rng(familySeed(name))
  const failures: string[] = []
  let failureCount = 0
  let index = 0
  let sent = 0
  return {
    rng,
    /** Sends one input (several values make several Authorization headers); returns false if refused by Headers. */
    async send(value: string | readonly string[], expected: Sent['expected'] = 'refused'): Promise<boolean> {
      index += 1
      const route = rng.pick(ROUTES)
      let request: Request
      try {
        const headers = new Headers()
        for (const item of typeof value === 'string' ? [value] : value) headers.append('authorization', item)
        request = new Request(`http://localhost${route}`, { headers })
      } catch {
        // The Headers API refuses NUL, CR, LF and anything above U+00FF: no client can send those.
        totals.skipped += 1
        return false
      }
      const authorization = request.headers.get('authorization') ?? ''
      const response = await app.handle(request)
      const text = await response.text()
      sent += 1
      totals.sent += 1
      totals.statuses[response.status] = (totals.statuses[response.status] ?? 0) + 1
      const problems = problemsWith({ authorization, expected }, response, text, issuer.issuer)
      if (problems.length > 0) {
        failureCount += 1
        if (failures.length < 20) {
          failures.push(
            `seed=${SEED} ${name}#${index} GET ${route} authorization=${JSON.stringify(truncate(authorization))}: ` +
              `${problems.join('; ')} | got ${response.status} ${JSON.stringify(response.headers.get('www-authenticate'))} ${truncate(text, 200)}`,
          )
        }
      }
      return true
    },
    /** Asserts that every input of the family was answered right and that enough were sent. */
    done(minimumSent: number) {
      if (failureCount > failures.length) failures.push(`… and ${failureCount - failures.length} more (seed=${SEED})`)
      expect(failures).toEqual([])
      expect(sent).toBeGreaterThanOrEqual(minimumSent)
    },
  }
}

const now = () => Math.floor(Date.now() / 1000)
const goodClaims = () => ({ iss: issuer.issuer, aud: audience, exp: now() + 600, iat: now(), scope: 'read:messages' })

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
  // Hosts the attacker's own JWKS: a `jku` or `x5u` pointing here must never be fetched.
  attacker = await startIssuerStub({ audience })
  attackerEcKey = await generateTestKey('ES256', 'attacker-ec')
  api = createTestApi(issuer)
  app = api.app
  pool = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      issuer.mint({
        jti: `pool-${i}`,
        scope: 'openid read:messages',
        ...(i % 3 === 0 ? { permissions: ['read:messages', 'x'.repeat(i * 200)] } : {}),
      }),
    ),
  )
  console.log(`fuzz seed=${SEED} (replay with FUZZ_SEED=${SEED})`)
})

afterAll(async () => {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1)
  console.log(
    `fuzz seed=${SEED}: ${totals.sent} inputs answered, ${totals.skipped} refused by the Headers API, ` +
      `statuses ${JSON.stringify(totals.statuses)}, ${seconds} s`,
  )
  api.runtime.close()
  await Promise.all([issuer.close(), attacker.close()])
})

describe(`Authorization header fuzzing (seed ${SEED})`, () => {
  test('sanity: tokens from the pool and from the raw signer are accepted on both routes', async () => {
    const run = family('sanity')
    for (const token of pool) await run.send(`Bearer ${token}`, 'accepted')
    // The same raw encoder and signer the generators use: if they broke, every crafted token would be
    // refused for the wrong reason and the fuzzing would prove nothing.
    const input = `${b64u(JSON.stringify({ alg: 'RS256', kid: issuer.signingKey.kid, typ: 'JWT' }))}.${b64u(JSON.stringify(goodClaims()))}`
    const crafted = `${input}.${await sign(issuer.signingKey, input)}`
    for (const route of ROUTES) {
      const response = await app.handle(
        new Request(`http://localhost${route}`, { headers: { authorization: `Bearer ${crafted}` } }),
      )
      expect(response.status).toBe(200)
    }
    run.done(pool.length)
  })

  test('random text: control characters, non-ASCII, up to 14 KiB', async () => {
    const run = family('random-text')
    const prefixes = ['', 'Bearer ', 'bearer ', 'BEARER ', 'Bearer', 'Bearer  ', ' Bearer ', 'Bearer\t', 'Bearer, ']
    const others = ['Basic ', 'DPoP ', 'Bearer=']
    for (let i = 0; i < 1000; i++) {
      const { rng } = run
      await run.send(`${rng.pick([...prefixes, ...others])}${randomText(rng, rng.length(14 * 1024))}`)
    }
    run.done(600)
  }, 60_000)

  test('random bytes as Latin-1 text', async () => {
    const run = family('random-bytes')
    for (let i = 0; i < 400; i++) {
      const { rng } = run
      const bytes = randomBytes(rng, rng.length(6000))
      // Mostly replace the three bytes the Headers API refuses, so that long inputs get through.
      if (rng.chance(0.8)) {
        for (let at = 0; at < bytes.length; at++) if ([0, 10, 13].includes(bytes[at] ?? 0)) bytes[at] = rng.int(14, 255)
      }
      await run.send(`${rng.chance(0.6) ? 'Bearer ' : ''}${String.fromCharCode(...bytes)}`)
    }
    run.done(250)
  }, 60_000)

  test('base64url segments: 1 to 5, of every length, some holding a plausible header', async () => {
    const run = family('segments')
    const segment = (rng: Rng): string => {
      switch (rng.int(0, 6)) {
        case 0:
          return ''
        case 1:
          return b64u(JSON.stringify({ alg: 'RS256', kid: issuer.signingKey.kid, typ: 'JWT' }))
        case 2:
          return b64u(JSON.stringify(randomJson(rng)))
        case 3:
          return b64u(randomBytes(rng, rng.int(1, 600)))
        case 4:
          return `${b64u(randomBytes(rng, rng.int(1, 64)))}${rng.pick(['=', '==', '+', '/', '~'])}`
        default: {
          let text = ''
          for (let n = rng.length(3000); n > 0; n--) text += rng.pick([...BASE64URL_ALPHABET])
          return text
        }
      }
    }
    for (let i = 0; i < 800; i++) {
      const { rng } = run
      await run.send(`Bearer ${Array.from({ length: rng.int(1, 5) }, () => segment(rng)).join('.')}`)
    }
    run.done(800)
  }, 60_000)

  test('JOSE headers: odd alg, kid, typ, crit, b64, and jku/x5u/jwk/x5c that must never be honoured', async () => {
    const run = family('jose-header')
    const realKid = issuer.signingKey.kid
    const publicJwk = issuer.signingKey.publicJwk
    const algs = [MISSING, 'none', 'None', 'HS256', 'HS512', 'rs256', 'RS256 ', 'ES256', 'PS256', 'EdDSA', 'dir', '']
    const odd = [0, 256, -1, null, true, {}, { alg: 'RS256' }, ['RS256'], 'RS256'.repeat(300)]
    const kids = [MISSING, '', realKid, realKid.toUpperCase(), `${realKid} `, 'x'.repeat(1000), 'x'.repeat(3000), 42]
    const oddKids = [null, [realKid], { kid: realKid }, '../../../../etc/passwd', '..\\..\\win.ini', '%2e%2e%2f']
    const urlKids = [issuer.jwksUri, attacker.jwksUri, '__proto__', 'constructor', '\u202e', "' OR 1=1 --"]
    const typs = [MISSING, 'JWT', 'jwt', 'at+jwt', 'application/at+jwt', 'JOSE', 'logout+jwt', 'dpop+jwt', '', 0, null]
    const crits = [['b64'], [], 'b64', [''], [1], ['b64', 'b64'], ['exp'], ['urn:example:unknown'], ['jku'], null]
    const urls = [attacker.jwksUri, attacker.baseUrl, 'https://evil.example/jwks.json', 'http://169.254.169.254/']
    for (let i = 0; i < 1000; i++) {
      const { rng } = run
      const header: Record<string, unknown> = {}
      const set = (name: string, value: unknown) => {
        if (value !== MISSING) header[name] = value
      }
      set('alg', rng.chance(0.5) ? 'RS256' : rng.pick([...algs, ...odd]))
      const kidDraw = rng.next()
      // A third made-up kids (the fetch-storm probe), a third the real kid (reaches the signature), a third odd.
      set(
        'kid',
        kidDraw < 0.33
          ? `fuzz-${rng.int(0, 1e9)}`
          : kidDraw < 0.66
            ? realKid
            : rng.pick([...kids, ...oddKids, ...urlKids]),
      )
      set('typ', rng.pick(typs))
      if (rng.chance(0.25)) set('crit', rng.pick(crits))
      if (rng.chance(0.25)) set('b64', rng.pick([true, false, 'false', 0, null]))
      if (rng.chance(0.3)) set('jku', rng.pick(urls))
      if (rng.chance(0.2)) set('x5u', rng.pick(urls))
      if (rng.chance(0.3)) set('jwk', rng.pick([attacker.signingKey.publicJwk, attackerEcKey.publicJwk, publicJwk]))
      if (rng.chance(0.15)) set('x5c', [b64u(randomBytes(rng, rng.int(10, 300)))])
      if (rng.chance(0.1))
        set(rng.pick(['cty', 'enc', 'zip', 'x5t', 'x5t#S256', 'urn:example:unknown']), randomJson(rng))
      let headerText = JSON.stringify(header)
      // JSON.parse keeps the last of duplicate names; __proto__ as a name must stay plain data.
      if (rng.chance(0.05)) headerText = `{"alg":"none",${headerText.slice(1)}`
      if (rng.chance(0.05)) headerText = `{"__proto__":{"alg":"RS256","kid":"${realKid}"},${headerText.slice(1)}`
      const claims = rng.chance(0.7)
        ? { ...goodClaims(), ...(rng.chance(0.3) ? { jti: `j${i}` } : {}) }
        : randomJson(rng)
      const input = `${b64u(headerText)}.${b64u(JSON.stringify(claims) ?? 'null')}`
      let signature: string
      switch (rng.int(0, 4)) {
        case 0:
          // Signed by the key the header points at (`jwk`, `jku`): valid only if that header were trusted.
          signature = await sign(rng.chance(0.7) ? attacker.signingKey : attackerEcKey, input)
          break
        case 1:
          // The classic confusion: the published public key used as an HMAC secret.
          signature = b64u(await hmacSha256(encoder.encode(JSON.stringify(publicJwk)), encoder.encode(input)))
          break
        case 2:
          signature = (pool[0] as string).split('.')[2] as string
          break
        default:
          signature = b64u(randomBytes(rng, rng.pick([0, 1, 64, 256, 512, rng.int(2, 700)])))
      }
      await run.send(`Bearer ${input}.${signature}`)
    }
    run.done(1000)
  }, 60_000)

  test('deeply nested JSON in header and payload (up to depth 10,000)', async () => {
    const run = family('nesting')
    const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
    const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    const realHeader = JSON.stringify({ alg: 'RS256', kid: issuer.signingKey.kid, typ: 'JWT' })
    const claims = JSON.stringify(goodClaims()).slice(0, -1)
    const inputs: [string, string][] = []
    for (const depth of [100, 700, 4000, 10_000]) {
      inputs.push([arrays(depth), claims.concat('}')], [objects(depth), claims.concat('}')])
      inputs.push([`{"alg":"RS256","x":${arrays(depth)}}`, `${claims}}`])
      inputs.push(
        [realHeader, arrays(depth)],
        [realHeader, objects(depth)],
        [realHeader, `${claims},"x":${arrays(depth)}}`],
      )
    }
    for (const [header, payload] of inputs) {
      const input = `${b64u(header)}.${b64u(payload)}`
      // Signed by the attacker (a valid signature over the deep JSON, from the wrong key) and unsigned.
      await run.send(`Bearer ${input}.${await sign(attacker.signingKey, input)}`)
      await run.send(`Bearer ${input}.${b64u(randomBytes(run.rng, 256))}`)
    }
    run.done(inputs.length * 2)
  }, 60_000)

  test('mutated valid tokens: flips, truncation, duplicated or swapped segments, re-encoded claims', async () => {
    const run = family('mutations')
    const segmentsOf = (token: string) => token.split('.')
    const decode = (segment: string): Record<string, unknown> => {
      try {
        return JSON.parse(Buffer.from(segment, 'base64url').toString()) as Record<string, unknown>
      } catch {
        return {}
      }
    }
    // Each returns a token that is no longer valid; several may be chained.
    const mutations: ((rng: Rng, token: string) => string)[] = [
      (rng, token) => {
        const parts = segmentsOf(token)
        const which = rng.int(0, parts.length - 1)
        const part = parts[which] ?? ''
        if (part === '') return `${token}x`
        // Ends of segments are where encoders and decoders disagree (spare bits of the last character).
        const at = rng.chance(0.3) ? part.length - 1 : rng.int(0, part.length - 1)
        const replacement = rng.pick([...BASE64URL_ALPHABET].filter((char) => char !== part[at]))
        parts[which] = `${part.slice(0, at)}${replacement}${part.slice(at + 1)}`
        return parts.join('.')
      },
      (rng, token) => {
        // Same bytes, other text: set the spare bits of a segment's last character (RFC 4648 §3.5).
        const parts = segmentsOf(token)
        const which = rng.int(0, parts.length - 1)
        const part = parts[which] ?? ''
        const spare = part.length % 4 === 2 ? 16 : part.length % 4 === 3 ? 4 : 0
        const last = BASE64URL_ALPHABET.indexOf(part.at(-1) ?? '')
        if (spare === 0 || last === -1) return `${token}A`
        const respelled = last - (last % spare) + rng.int(1, spare - 1)
        parts[which] = `${part.slice(0, -1)}${BASE64URL_ALPHABET[respelled]}`
        return parts.join('.')
      },
      (rng, token) => {
        const at = rng.int(0, token.length - 1)
        return `${token.slice(0, at)}${rng.pick(['+', '/', '=', '~', '.', ' ', '\t', '!', '%', '\xe9', ','])}${token.slice(at + 1)}`
      },
      (rng, token) => token.slice(0, rng.int(1, token.length - 1)),
      (rng, token) => {
        const parts = segmentsOf(token)
        const at = rng.int(0, parts.length - 1)
        parts.splice(at, 0, parts[at] ?? '')
        return parts.join('.')
      },
      (rng, token) => {
        const parts = segmentsOf(token)
        parts.splice(rng.int(0, parts.length - 1), 1)
        return parts.join('.')
      },
      (_rng, token) => {
        const [h = '', p = '', ...rest] = segmentsOf(token)
        return [p, h, ...rest].join('.')
      },
      (rng, token) => {
        const [h = '', p = '', ...rest] = segmentsOf(token)
        const claims = decode(p)
        const change = rng.pick([
          { scope: 'read:messages admin' },
          { exp: now() + 10 * 365 * 86400 },
          { aud: 'https://other.example' },
          { iss: attacker.issuer },
          { sub: 'admin' },
          { exp: undefined },
          { permissions: ['*'] },
          { [`x${rng.int(0, 1e6)}`]: 1 },
        ])
        return [h, b64u(JSON.stringify({ ...claims, ...change, jti: `forged-${rng.int(0, 1e9)}` })), ...rest].join('.')
      },
      (rng, token) => {
        const [h = '', ...rest] = segmentsOf(token)
        const change = rng.pick([
          { alg: 'HS256' },
          { alg: 'none' },
          { alg: 'PS256' },
          { alg: 'RS384' },
          { kid: 'other' },
          { kid: undefined },
          { typ: 'at+jwt' },
          { typ: undefined, cty: 'JWT' },
          { jku: attacker.jwksUri },
          { jwk: attacker.signingKey.publicJwk },
        ])
        return [b64u(JSON.stringify({ ...decode(h), ...change })), ...rest].join('.')
      },
      (rng, token) => {
        const [h = '', p = ''] = segmentsOf(token)
        const other = rng.pick(pool.filter((candidate) => candidate !== token))
        return `${h}.${p}.${rng.pick([segmentsOf(other)[2] ?? '', '', b64u(randomBytes(rng, 256))])}`
      },
      (rng, token) => `${token}${rng.pick(['=', '==', '.', '..', '.e30', ' ', `.${token}`, ` ${token}`, `,${token}`])}`,
      (rng, token) => {
        const parts = segmentsOf(token)
        const which = rng.int(0, parts.length - 1)
        parts[which] = (parts[which] ?? '')
          .replaceAll('-', '+')
          .replaceAll('_', '/')
          .concat(rng.pick(['', '/', '+']))
        return parts.join('.')
      },
      (rng, token) => {
        const parts = segmentsOf(token)
        const which = rng.int(0, parts.length - 1)
        const part = parts[which] ?? ''
        const swapped = [...part].map((char) => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase()))
        parts[which] = swapped.join('') === part ? `${part}A` : swapped.join('')
        return parts.join('.')
      },
    ]
    // A valid token behind a broken scheme, or sent twice, is refused too.
    const schemes = ['Bearer\t', 'Bearer:', 'Bearer', 'Bearer-', 'Bear er ', 'Token ', 'Bearer\xa0', 'Basic ', 'MAC ']
    const cosmetic = ['Bearer ', 'bearer ', 'BEARER ', 'bEaReR ', 'Bearer    ', '  Bearer ']
    for (let i = 0; i < 1200; i++) {
      const { rng } = run
      const original = rng.pick(pool)
      if (rng.chance(0.06)) {
        await run.send(`${rng.pick(schemes)}${original}`)
        continue
      }
      if (rng.chance(0.03)) {
        await run.send([`Bearer ${original}`, `Bearer ${rng.pick(pool)}`])
        continue
      }
      let token = original
      // Chained mutations can cancel out (swap twice), or leave the token plus whitespace the Headers API trims.
      for (let n = rng.int(1, 3); n > 0 || token.trim() === original; n--) token = rng.pick(mutations)(rng, token)
      await run.send(`${rng.pick(cosmetic)}${token}${rng.chance(0.1) ? '  ' : ''}`)
    }
    run.done(1190)
  }, 60_000)

  test('lenient spellings a client may send (scheme case, extra spaces) are accepted, not refused', async () => {
    const run = family('lenient')
    for (let i = 0; i < 100; i++) {
      const { rng } = run
      const scheme = [...'bearer'].map((char) => (rng.chance(0.5) ? char.toUpperCase() : char)).join('')
      await run.send(`${' '.repeat(rng.int(0, 2))}${scheme}${' '.repeat(rng.int(1, 4))}${rng.pick(pool)} `, 'accepted')
    }
    run.done(100)
  }, 60_000)

  test('no fetch storm: made-up kids cost at most one refetch, and no header URL is ever fetched', () => {
    // One discovery and one JWKS fetch at the first request; unknown kids within the 30 s cooldown
    // must not add more.
    expect(issuer.jwksRequests).toBeLessThanOrEqual(2)
    expect(issuer.discoveryRequests).toBeLessThanOrEqual(1)
    expect(attacker.jwksRequests + attacker.discoveryRequests).toBe(0)
    expect(totals.sent).toBeGreaterThanOrEqual(4000)
  })
})
