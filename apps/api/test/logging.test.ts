import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type IssuerStub, startIssuerStub } from '@repo/testing'
import { createJsonLogger } from '../src/logger.ts'
import { audience, createTestApi, request } from './helpers.ts'

let issuer: IssuerStub
const lines: string[] = []
let clock = Date.now()

beforeAll(async () => {
  issuer = await startIssuerStub({ audience })
})
afterAll(() => issuer.close())

describe('structured logs', () => {
  test('one JSON line per key-set fetch, failure and rotation, and never a token', async () => {
    const logger = createJsonLogger((line) => lines.push(line))
    const { app } = createTestApi(issuer, { logger, now: () => clock })
    const tokens = [await issuer.mint()]
    await request(app, '/api/private', { token: tokens[0] as string })
    const rotated = await issuer.rotate()
    clock += 31_000
    tokens.push(await issuer.mint())
    await request(app, '/api/private', { token: tokens[1] as string })
    issuer.mode = 'http_500'
    clock += 3_600_000
    tokens.push(await issuer.mint({ exp: Math.floor(clock / 1000) + 60 }))
    // Stale keys answer at once; the failing refresh runs in the background.
    expect((await request(app, '/api/private', { token: tokens[2] as string })).status).toBe(200)
    await Bun.sleep(50)
    // Errors from bad tokens are not logged at all; a garbage one must not show up either.
    await request(app, '/api/private', { token: 'not.a.token' })

    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true)
    expect(events.map((e) => e.event)).toEqual(['jwks_fetched', 'jwks_fetched', 'jwks_rotated', 'jwks_fetch_failed'])
    expect(events[2]).toMatchObject({ level: 'info', added: [rotated.kid], removed: [] })
    expect(events[3]).toMatchObject({ level: 'warn', reason: 'http_status', servingStaleKeys: true })
    const all = lines.join('')
    for (const token of tokens) {
      for (const part of token.split('.')) expect(all).not.toContain(part)
    }
    expect(all).not.toContain('not.a.token')
  })
})
