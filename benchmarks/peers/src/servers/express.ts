// Auth0's express-oauth2-jwt-bearer on Express, set up as its README shows: `auth({ issuerBaseURL, audience })`
// and no error handler of our own, so refusals go through Express's default one. Runs under Node (compiled to
// JavaScript by run.ts) and under Bun; it uses no Bun API.
import express from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { readEnv } from '../env.ts'

const env = readEnv('PORT', 'ISSUER_BASE_URL', 'AUDIENCE')
const checkJwt = auth({ issuerBaseURL: env.ISSUER_BASE_URL, audience: env.AUDIENCE })

const app = express()
app.get('/api/private', checkJwt, (req, res) => {
  res.json(req.auth?.payload)
})

const server = app.listen(Number(env.PORT), '127.0.0.1', (error) => {
  if (error) throw error // Bun passes null when all is well
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : env.PORT
  console.log(`listening on http://127.0.0.1:${port}`)
})
