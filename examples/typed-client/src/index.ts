/**
 * `bun run --cwd examples/typed-client start`: the tutorial's three calls through the typed client, against
 * `API_URL` (default http://localhost:8000) with `TOKEN`, or a token from the development issuer.
 */
import { getClaims, getPublicMessage, getScopedClaims, type Outcome } from './calls.ts'
import { createApiClient } from './client.ts'
import { getAccessToken } from './token.ts'

const apiUrl = process.env.API_URL ?? 'http://localhost:8000'

const show = (route: string, outcome: Outcome<Record<string, unknown>>) =>
  console.log(
    outcome.ok
      ? `${route}: 200, sub=${String(outcome.value.sub)} scope=${String(outcome.value.scope ?? '')}`
      : `${route}: ${outcome.status} ${outcome.error}: ${outcome.description}`,
  )

console.log(`GET /api/public: ${await getPublicMessage(createApiClient(apiUrl))}`)
show('GET /api/private without a token', await getClaims(createApiClient(apiUrl)))

const token = await getAccessToken({
  token: process.env.TOKEN,
  issuerUrl: process.env.ISSUER_URL,
  clientId: process.env.CLIENT_ID,
  clientSecret: process.env.CLIENT_SECRET,
  audience: process.env.AUDIENCE,
})
const api = createApiClient(apiUrl, token)
show('GET /api/private', await getClaims(api))
show('GET /api/private-scoped', await getScopedClaims(api))
