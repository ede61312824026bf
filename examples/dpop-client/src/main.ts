// `bun run --cwd examples/dpop-client start`: the whole DPoP flow against a running API and issuer (docker compose
// up, or bun run dev). API_URL (default http://localhost:8000); ISSUER_URL (default: the API's authorization
// server, from its metadata); CLIENT_ID and CLIENT_SECRET (default: the development issuer's local-client).
import { createDpopClient, discover } from './dpop-client.ts'

const apiUrl = (process.env.API_URL ?? 'http://localhost:8000').replace(/\/+$/, '')
const privateUrl = `${apiUrl}/api/private`

// 1. Discovery (RFC 9728): the API says who issues its tokens and which proofs it takes.
const discovered = await discover(privateUrl)
console.log(`1. ${discovered.metadataUrl}`)
console.log(`   resource ${discovered.resource}, authorization server ${discovered.authorizationServers[0]}`)
console.log(`   DPoP algorithms ${discovered.dpopAlgorithms.join(' ')}`)

// 2. A DPoP-bound token: the token request carries a proof of the client's key (RFC 9449 §5).
const issuerUrl = (process.env.ISSUER_URL ?? discovered.authorizationServers[0] ?? '').replace(/\/+$/, '')
const client = await createDpopClient()
const token = await client.requestToken({
  tokenEndpoint: `${issuerUrl}/oauth/token`,
  clientId: process.env.CLIENT_ID ?? 'local-client',
  clientSecret: process.env.CLIENT_SECRET ?? 'local-secret',
  audience: discovered.resource,
})
console.log(`2. token_type ${token.tokenType}, bound to the key ${client.thumbprint}`)

// 3. The protected call: a fresh proof for this method and URL, with the token's hash (RFC 9449 §7).
const answer = await client.fetch(privateUrl, token.accessToken)
const claims = (await answer.json()) as { cnf?: { jkt?: string } }
console.log(`3. GET /api/private: ${answer.status}, cnf.jkt ${claims.cnf?.jkt}`)

// 4. What a thief with the token gets: a replayed proof, and the token downgraded to Bearer.
const proof = await client.proof('GET', privateUrl, token.accessToken)
const headers = { authorization: `DPoP ${token.accessToken}`, dpop: proof }
await fetch(privateUrl, { headers })
const replayed = await fetch(privateUrl, { headers })
const refusal = async (response: Response) =>
  `${response.status} ${((await response.json()) as { error_description?: string }).error_description}`
console.log(`4. the same proof again: ${await refusal(replayed)}`)
const bearer = await fetch(privateUrl, { headers: { authorization: `Bearer ${token.accessToken}` } })
console.log(`   the token as Bearer: ${await refusal(bearer)}`)
