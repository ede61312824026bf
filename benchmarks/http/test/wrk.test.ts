import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseWrkOutput, runWrk } from '../src/wrk.ts'

describe('parseWrkOutput', () => {
  test('reads the BENCH_JSON line among wrk’s own output, in milliseconds', () => {
    const stdout = [
      'Running 1s test @ http://127.0.0.1:1/',
      'BENCH_JSON {"requests":2000,"durationUs":1000000,"bytes":1,"latencyUs":{"p50":500.0,"p99":2500.0,"mean":600.0,' +
        '"max":9000.0},"errors":{"connect":1,"read":2,"write":3,"timeout":4,"status":5},"statuses":{"200":1995,"503":5}}',
    ].join('\n')
    const result = parseWrkOutput(stdout)
    expect(result).toMatchObject({ requests: 2000, perSecond: 2000, p50Ms: 0.5, p99Ms: 2.5, statusErrors: 5 })
    expect(result?.socketErrors).toEqual({ connect: 1, read: 2, write: 3, timeout: 4 })
    expect([...(result?.statuses ?? [])]).toEqual([
      [200, 1995],
      [503, 5],
    ])
  })

  test('is undefined without the line (wrk ran without the script)', () => {
    expect(parseWrkOutput('Requests/sec: 1000\n')).toBeUndefined()
  })
})

// The Lua hooks against a real wrk, when it is installed: statuses counted per answer, every token of the pool sent.
describe.skipIf(Bun.which('wrk') === null)('wrk with lua/report.lua and lua/token-pool.lua', () => {
  const seen = new Set<string>()
  const tokens = Array.from({ length: 40 }, (_, index) => `token-${index}`)
  let server: ReturnType<typeof Bun.serve>
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-http-test-'))
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(request) {
        const authorization = request.headers.get('authorization') ?? ''
        seen.add(authorization)
        // Every fourth token is refused, so that two statuses are counted.
        const index = Number(authorization.replace('Bearer token-', ''))
        return new Response(null, { status: Number.isInteger(index) && index % 4 === 0 ? 401 : 200 })
      },
    })
  })
  afterAll(async () => {
    await server.stop(true)
    rmSync(dir, { recursive: true, force: true })
  })

  test('a static header: every answer counted under its status', async () => {
    const result = await runWrk({
      url: `http://127.0.0.1:${server.port}/`,
      seconds: 1,
      connections: 4,
      headers: { Authorization: 'Bearer token-1' },
    })
    expect(result.requests).toBeGreaterThan(0)
    expect([...result.statuses]).toEqual([[200, result.requests]])
  })

  test('a token file: each request carries the next token, all of them used', async () => {
    const file = join(dir, 'tokens.txt')
    await Bun.write(file, `${tokens.join('\n')}\n`)
    seen.clear()
    const result = await runWrk({
      url: `http://127.0.0.1:${server.port}/`,
      seconds: 1,
      connections: 4,
      tokenFile: file,
    })
    expect(seen).toEqual(new Set(tokens.map((token) => `Bearer ${token}`)))
    const ok = result.statuses.get(200) ?? 0
    const refused = result.statuses.get(401) ?? 0
    expect(ok + refused).toBe(result.requests)
    expect(refused).toBeGreaterThan(0)
    expect(result.statusErrors).toBe(refused) // wrk's own count of statuses above 399
  })
})
