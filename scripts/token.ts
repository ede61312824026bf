/**
 * `bun run token`: an access token from the configured issuer (client_credentials), printed as the one line
 * `export TOKEN=<token>` on stdout, so that `eval "$(bun run --silent token)"` sets it. Everything else goes
 * to stderr; a failure is one line there naming what to do, and exit code 1.
 */
import { parseArgs } from 'node:util'
import { mergeEnvFile } from '@repo/auth-config'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { DEFAULT_AUDIENCES, DEFAULT_CLIENTS } from '../apps/issuer/src/issuer-config.ts'

const HELP = `Usage: bun run --silent token [options]    (eval "$(bun run --silent token)" sets TOKEN)

Gets an access token with the client_credentials grant and prints "export TOKEN=<token>".

  --client <id>        client_id (default: local-client)
  --secret <secret>    client_secret (default: the local issuer's, for local-client and limited-client)
  --scope "<scopes>"   scopes to ask for (default: every scope the client may have)
  --audience <aud>     API identifier (default: AUTH0_API_AUDIENCE from the environment or .env,
                       else ${DEFAULT_AUDIENCES[0]})
  --issuer <url>       issuer (default: https://$AUTH0_DOMAIN, else AUTH0_ISSUER_BASE_URL,
                       else http://localhost:9000)
  --dpop               a DPoP-bound token (RFC 9449); also prints "export DPOP_KEY=<private JWK>"
  --help               this text
`

const TIMEOUT_MS = 5000
/** RFC 6750 §2.1 b64token: safe to print unquoted for a shell to evaluate. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

class Failure extends Error {}

/** A value and where it came from, for error lines. */
interface Sourced {
  readonly value: string
  readonly source: string
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}…` : flat
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        client: { type: 'string' },
        secret: { type: 'string' },
        scope: { type: 'string' },
        audience: { type: 'string' },
        issuer: { type: 'string' },
        dpop: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    throw new Failure(`${oneLine((error as Error).message)} (see: bun run token --help)`)
  }
}

function fromEnv(env: Record<string, string | undefined>, name: string): Sourced | undefined {
  const value = env[name]?.trim()
  if (!value) return undefined
  return { value, source: process.env[name]?.trim() ? `${name} in the environment` : `${name} in .env` }
}

function resolveIssuer(flag: string | undefined, env: Record<string, string | undefined>): Sourced {
  if (flag !== undefined) return { value: flag.replace(/\/+$/, ''), source: '--issuer' }
  const domain = fromEnv(env, 'AUTH0_DOMAIN')
  if (domain !== undefined) {
    const host = domain.value.replace(/^https?:\/\//, '').replace(/\/+$/, '')
    return { value: `https://${host}`, source: domain.source }
  }
  const base = fromEnv(env, 'AUTH0_ISSUER_BASE_URL')
  if (base !== undefined) return { value: base.value.replace(/\/+$/, ''), source: base.source }
  return { value: 'http://localhost:9000', source: 'the default' }
}

function isLocal(url: string): boolean {
  const host = URL.parse(url)?.hostname ?? ''
  return host === 'localhost' || host === 'issuer' || host.startsWith('127.') || host === '[::1]'
}

/** `fetch`, with a deadline; a network failure becomes the one line that says what to do. */
async function request(url: string, init: RequestInit, issuer: Sourced): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) })
  } catch (error) {
    const reason = (error as { code?: string; name?: string }).code ?? (error as Error).name
    const hint = isLocal(issuer.value)
      ? 'is the local issuer running? `docker compose up issuer`'
      : `check the issuer URL (from ${issuer.source}) and your network`
    throw new Failure(`Cannot reach the issuer at ${issuer.value} (${reason}): ${hint}`)
  }
}

/** The token endpoint from discovery (RFC 8414 / OpenID Discovery), else Auth0's `/oauth/token`. */
async function tokenEndpoint(issuer: Sourced): Promise<string> {
  const response = await request(`${issuer.value}/.well-known/openid-configuration`, {}, issuer)
  const doc = response.ok ? ((await response.json().catch(() => undefined)) as { token_endpoint?: unknown }) : undefined
  const endpoint = typeof doc?.token_endpoint === 'string' ? URL.parse(doc.token_endpoint) : null
  if (endpoint !== null && (endpoint.protocol === 'https:' || endpoint.protocol === 'http:')) return endpoint.href
  return `${issuer.value}/oauth/token`
}

interface DpopKey {
  readonly privateKey: CryptoKey
  readonly publicJwk: Record<string, unknown>
  readonly privateJwk: Record<string, unknown>
}

async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)) },
    privateJwk: { ...(await exportJWK(privateKey)) },
  }
}

function dpopProof(key: DpopKey, htu: string, nonce: string | undefined): Promise<string> {
  return new SignJWT({ htm: 'POST', htu, jti: crypto.randomUUID(), ...(nonce === undefined ? {} : { nonce }) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt()
    .sign(key.privateKey)
}

interface TokenAnswer {
  readonly status: number
  readonly body: Record<string, unknown> | undefined
  readonly nonce: string | null
}

async function askForToken(
  endpoint: string,
  form: URLSearchParams,
  issuer: Sourced,
  dpop: DpopKey | undefined,
  nonce?: string,
): Promise<TokenAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (dpop !== undefined) headers.dpop = await dpopProof(dpop, endpoint, nonce)
  const response = await request(endpoint, { method: 'POST', headers, body: form }, issuer)
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined
  return { status: response.status, body, nonce: response.headers.get('dpop-nonce') }
}

function refusal(answer: TokenAnswer, context: { client: string; audience: Sourced; scope?: string | undefined }) {
  const error = typeof answer.body?.error === 'string' ? answer.body.error : undefined
  const description = typeof answer.body?.error_description === 'string' ? answer.body.error_description : ''
  if (error === 'invalid_client') {
    return `The issuer refused client "${context.client}" (invalid_client): check --client and --secret (local issuer: local-client/local-secret, limited-client/limited-secret)`
  }
  if (error === 'access_denied' && description.startsWith('Service not found')) {
    return `The issuer has no API "${context.audience.value}" (audience from ${context.audience.source}): pass --audience, or set AUTH0_API_AUDIENCE (the local issuer's APIs are ISSUER_AUDIENCES)`
  }
  if (error === 'invalid_scope') {
    return `Client "${context.client}" may not have scope "${context.scope ?? ''}" (invalid_scope): ask for fewer scopes with --scope`
  }
  if (error !== undefined) {
    return `The issuer refused the token request (${answer.status} ${oneLine(error, 60)}${description ? `: ${oneLine(description)}` : ''})`
  }
  return `The issuer answered ${answer.status} without an OAuth response: is the issuer URL right?`
}

async function main(argv: string[]): Promise<string[]> {
  const options = parseOptions(argv)
  if (options.help) {
    process.stderr.write(HELP)
    return []
  }
  const env = mergeEnvFile(process.env, process.cwd())
  const client = options.client ?? 'local-client'
  const secret = options.secret ?? DEFAULT_CLIENTS.find((known) => known.clientId === client)?.clientSecret
  if (secret === undefined) {
    throw new Failure(
      `--secret is required for client "${client}" (defaults exist for local-client and limited-client)`,
    )
  }
  const audience: Sourced =
    options.audience !== undefined
      ? { value: options.audience, source: '--audience' }
      : (fromEnv(env, 'AUTH0_API_AUDIENCE') ?? { value: DEFAULT_AUDIENCES[0] ?? '', source: 'the default' })
  const issuer = resolveIssuer(options.issuer, env)
  if (URL.parse(issuer.value) === null)
    throw new Failure(`The issuer (from ${issuer.source}) is not a URL: ${oneLine(issuer.value, 100)}`)

  const endpoint = await tokenEndpoint(issuer)
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client,
    client_secret: secret,
    audience: audience.value,
  })
  if (options.scope !== undefined) form.set('scope', options.scope)
  const dpop = options.dpop ? await createDpopKey() : undefined
  let answer = await askForToken(endpoint, form, issuer, dpop)
  // RFC 9449 §8: a server may ask for a proof carrying its nonce; retry once with it.
  if (dpop !== undefined && answer.body?.error === 'use_dpop_nonce' && answer.nonce !== null) {
    answer = await askForToken(endpoint, form, issuer, dpop, answer.nonce)
  }
  const token = answer.body?.access_token
  if (answer.status !== 200 || typeof token !== 'string') {
    throw new Failure(refusal(answer, { client, audience, scope: options.scope }))
  }
  if (!B64TOKEN.test(token)) throw new Failure('The issuer answered with an access token that is not a bearer token')

  const type = String(answer.body?.token_type ?? 'Bearer')
  process.stderr.write(
    `Access token for ${audience.value} from ${issuer.value}: client ${client}, scope "${String(answer.body?.scope ?? '')}", ${type}, expires in ${String(answer.body?.expires_in ?? '?')} s\n`,
  )
  const lines = [`export TOKEN=${token}`]
  if (dpop !== undefined) {
    // A JWK's JSON holds no single quote: single-quoted, it is one shell word.
    lines.push(`export DPOP_KEY='${JSON.stringify(dpop.privateJwk)}'`)
    process.stderr.write(`Send it as "Authorization: ${type} $TOKEN" with a DPoP proof signed by $DPOP_KEY\n`)
  }
  return lines
}

try {
  const lines = await main(process.argv.slice(2))
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
} catch (error) {
  if (!(error instanceof Failure)) throw error
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}
