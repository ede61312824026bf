import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createDpopClient, type DpopClient } from '../../examples/dpop-client/src/dpop-client.ts'
import { createCompose, dockerAvailable } from './support/compose.ts'

// docker-compose.yml's `replicas` profile: two API containers sharing one Redis. A proof accepted by one replica
// is refused by the other, even when both receive it at once (SET NX), and a Redis outage fails closed (503).
// The images are built first (a few minutes cold); host ports are ephemeral and read back.

const available = await dockerAvailable('the compose replicas test')
// What the replicas are told clients use (REPLICAS_PUBLIC_ORIGIN): a load balancer's origin, named by every proof.
const PUBLIC_ORIGIN = 'http://localhost:8080'
const AUDIENCE = 'https://api.local.test'
const compose = createCompose({
  project: `bun-auth0-api-replicas-${crypto.randomUUID().slice(0, 8)}`,
  profiles: ['replicas'],
  env: { ISSUER_HOST_PORT: '0', API_HOST_PORT: '0', REPLICAS_PUBLIC_ORIGIN: PUBLIC_ORIGIN },
})

let replicas: [string, string]
let client: DpopClient
let token: string
let issuer: string

beforeAll(async () => {
  if (!available) return
  try {
    await compose.run(['build', 'issuer', 'api']).quiet()
    await compose
      .run(['up', '-d', '--wait', '--wait-timeout', '180', 'redis', 'api-replica-1', 'api-replica-2'])
      .quiet()
    replicas = [
      `http://${await compose.port('api-replica-1', 8000)}`,
      `http://${await compose.port('api-replica-2', 8000)}`,
    ]
    issuer = `http://${await compose.port('issuer', 9000)}`
    client = await createDpopClient()
    token = (
      await client.requestToken({
        tokenEndpoint: `${issuer}/oauth/token`,
        clientId: 'local-client',
        clientSecret: 'local-secret',
        audience: AUDIENCE,
      })
    ).accessToken
  } catch (error) {
    console.log(await compose.logs())
    throw error
  }
}, 900_000)

afterAll(async () => {
  if (available) await compose.down()
}, 120_000)

/** A GET of /api/private on one replica with `proof`, as a load balancer would forward it. */
const send = (replica: string, proof: string) =>
  fetch(`${replica}/api/private`, { headers: { authorization: `DPoP ${token}`, dpop: proof } })
const freshProof = () => client.proof('GET', `${PUBLIC_ORIGIN}/api/private`, token)

describe.skipIf(!available)('docker compose --profile replicas: two APIs, one Redis', () => {
  test('a proof accepted by one replica is refused by the other; a fresh proof is accepted by either', async () => {
    const [one, two] = replicas
    const proof = await freshProof()
    expect((await send(one, proof)).status).toBe(200)
    const replayed = await send(two, proof)
    expect(replayed.status).toBe(401)
    expect(await replayed.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof has already been used',
    })
    expect((await send(two, await freshProof())).status).toBe(200)
    const back = await freshProof()
    expect((await send(two, back)).status).toBe(200)
    expect((await send(one, back)).status).toBe(401)
  })

  test('one proof sent to both replicas at once: exactly one is accepted', async () => {
    const proof = await freshProof()
    const statuses = (
      await Promise.all(replicas.flatMap((replica) => [send(replica, proof), send(replica, proof)]))
    ).map((answer) => answer.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.filter((status) => status === 401)).toHaveLength(3)
  })

  test('Redis stopped: DPoP requests are 503 with Retry-After (fail closed); Bearer ones are not affected', async () => {
    await compose.run(['stop', 'redis']).quiet()
    try {
      const answer = await send(replicas[0], await freshProof())
      expect(answer.status).toBe(503)
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(answer.headers.get('www-authenticate')).toBeNull()
      // A plain Bearer token never touches the replay store.
      const plain = await fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'local-client',
          client_secret: 'local-secret',
          audience: AUDIENCE,
        }),
      })
      const bearer = ((await plain.json()) as { access_token: string }).access_token
      const ok = await fetch(`${replicas[0]}/api/private`, { headers: { authorization: `Bearer ${bearer}` } })
      expect(ok.status).toBe(200)
    } finally {
      await compose.run(['start', 'redis']).quiet()
    }
  }, 60_000)
})
