import { describe, expect, test } from 'bun:test'
import { ENTRY, localClient, spawnIssuer } from './helpers.ts'

// The entry point as the image runs it (`bun --no-env-file src/index.ts`): what a parent process or
// `docker compose logs` sees.
describe('the issuer process', () => {
  test('a clean start and token requests print only our JSON lines; issuer and port are in issuer_started', async () => {
    const child = spawnIssuer({ ISSUER_PORT: '0', ISSUER_HOST: '127.0.0.1' })
    let started: Record<string, unknown>
    try {
      started = await child.started
      expect(started.port).toBeNumber()
      expect(started.issuer).toBe(`http://127.0.0.1:${started.port}`)
      const endpoint = `${started.issuer}/oauth/token`
      const form = await fetch(endpoint, {
        method: 'POST',
        body: new URLSearchParams({ ...localClient, audience: 'https://api.local.test' }),
      })
      expect(form.status).toBe(200)
      const json = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...localClient, audience: 'https://api.local.test' }),
      })
      expect(json.status).toBe(200)
    } finally {
      const { stdout, stderr, exitCode } = await child.stop()
      expect(stderr).toBe('')
      const events = stdout
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { event: string }).event)
      expect(events).toEqual(['development_issuer', 'issuer_started'])
      expect(exitCode).toBe(0)
    }
  })

  test('ISSUER_ACCESS_TOKEN_TTL out of range: one line on stderr naming the variable and range, exit 1', async () => {
    const proc = Bun.spawn(['bun', '--no-env-file', ENTRY], {
      env: { PATH: process.env.PATH ?? '', ISSUER_PORT: '0', ISSUER_ACCESS_TOKEN_TTL: '30' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [exitCode, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ])
    expect(exitCode).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'Invalid configuration: ISSUER_ACCESS_TOKEN_TTL must be a whole number of seconds from 60 to 2592000 (e.g. ISSUER_ACCESS_TOKEN_TTL=3600), got "30"\n',
    )
  })
})
