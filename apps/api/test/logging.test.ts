import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createManualClock, type IssuerStub, startIssuerStub } from '@repo/testing'
import { createJsonLogger, type Logger } from '../src/logger.ts'
import { audience, closeTestApis, createTestApi, request } from './helpers.ts'

let issuer: IssuerStub

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(async () => {
  closeTestApis()
  await issuer.close()
})

describe('structured logs', () => {
  test('one JSON line per key-set fetch, failure and rotation, and never a token', async () => {
    const clock = createManualClock(Date.now())
    const lines: string[] = []
    let failureLogged: () => void = () => {}
    const failureLine = new Promise<void>((resolve) => {
      failureLogged = resolve
    })
    const logger = createJsonLogger((line) => {
      lines.push(line)
      if (line.includes('"event":"jwks_fetch_failed"')) failureLogged()
    })
    const { app } = createTestApi(issuer, { logger, clock })
    const mint = () => issuer.mint({ iat: Math.floor(clock.now() / 1000), exp: Math.floor(clock.now() / 1000) + 7200 })
    const tokens = [await mint()]
    await request(app, '/api/private', { token: tokens[0] as string })
    const rotated = await issuer.rotate()
    tokens.push(await mint())
    await request(app, '/api/private', { token: tokens[1] as string })
    issuer.mode = 'http_500'
    clock.advance(600_000) // stale: served at once, refreshed in the background
    tokens.push(await mint())
    expect((await request(app, '/api/private', { token: tokens[2] as string })).status).toBe(200)
    await failureLine
    issuer.mode = 'ok'
    // Bad tokens are not logged at all; a garbage one must not show up either.
    await request(app, '/api/private', { token: 'not.a.token' })

    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true)
    expect(events.map((e) => e.event)).toEqual(['jwks_fetched', 'jwks_fetched', 'jwks_rotated', 'jwks_fetch_failed'])
    expect(events[2]).toMatchObject({ level: 'info', added: [rotated.kid], removed: [] })
    expect(events[3]).toMatchObject({ level: 'warn', reason: 'http_status', servingStaleKeys: true })
    const all = lines.join('')
    for (const token of tokens) for (const part of token.split('.')) expect(all).not.toContain(part)
    expect(all).not.toContain('not.a.token')
  })

  test('a log sink that throws changes no answer', async () => {
    const throwing: Logger = {
      info() {
        throw new Error('disk full')
      },
      warn() {
        throw new Error('disk full')
      },
      error() {
        throw new Error('disk full')
      },
    }
    const { app } = createTestApi(issuer, { logger: throwing })
    expect((await request(app, '/api/private', { token: await issuer.mint() })).status).toBe(200)
    await issuer.rotate()
    expect((await request(app, '/api/private', { token: await issuer.mint() })).status).toBe(200)
  })
})
