import { describe, expect, test } from 'bun:test'
import { createManualClock } from '@repo/testing'
import { createApp } from '../src/app.ts'
import { createJsonLogger } from '../src/logger.ts'
import { createShutdown } from '../src/shutdown.ts'
import { request, stubAppDependencies } from './helpers.ts'

/** Lets the promise continuations that a timer or a resolution started run to their next wait. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

function setUp(options: { delayMs: number; timeoutMs: number }) {
  const clock = createManualClock()
  const steps: string[] = []
  let drained: () => void = () => {}
  const shutdown = createShutdown({
    ...options,
    clock,
    logger: createJsonLogger((line) => steps.push(`log ${(JSON.parse(line) as { event: string }).event}`)),
    stopListening() {
      steps.push('stop listening')
      return new Promise<void>((resolve) => {
        drained = resolve
      })
    },
    forceClose: () => steps.push('force close'),
    cleanup: () => void steps.push('cleanup'),
    exit: (code) => steps.push(`exit ${code}`),
  })
  return { clock, steps, shutdown, drain: () => drained() }
}

describe('the shutdown sequence', () => {
  test('readiness drops at once; the listener serves for the delay, then drains, cleans up and exits 0', async () => {
    const { clock, steps, shutdown, drain } = setUp({ delayMs: 5000, timeoutMs: 10_000 })
    expect(shutdown.shuttingDown).toBe(false)
    shutdown.begin('SIGTERM')
    expect(shutdown.shuttingDown).toBe(true)
    clock.advance(4999)
    await settle()
    expect(steps).toEqual(['log server_stopping'])
    clock.advance(1)
    await settle()
    expect(steps).toEqual(['log server_stopping', 'log listener_closed', 'stop listening'])
    drain()
    await shutdown.done
    await settle()
    expect(steps.slice(3)).toEqual(['cleanup', 'log server_stopped', 'exit 0'])
  })

  test('requests still running at the timeout have their connections closed; the key set is closed after', async () => {
    const { clock, steps, shutdown } = setUp({ delayMs: 0, timeoutMs: 10_000 })
    shutdown.begin('SIGTERM')
    await settle()
    expect(steps).toEqual(['log server_stopping', 'log listener_closed', 'stop listening'])
    clock.advance(10_000)
    await shutdown.done
    await settle()
    expect(steps.slice(3)).toEqual(['log shutdown_timeout', 'force close', 'cleanup', 'log server_stopped', 'exit 0'])
  })

  test('a second signal exits at once with 1', () => {
    const { steps, shutdown } = setUp({ delayMs: 5000, timeoutMs: 10_000 })
    shutdown.begin('SIGTERM')
    shutdown.begin('SIGINT')
    expect(steps).toEqual(['log server_stopping', 'log shutdown_forced', 'exit 1'])
  })
})

describe('/readyz while shutting down', () => {
  test('503 with the reason shutting_down, though the keys are held', async () => {
    const lifecycle = { shuttingDown: false }
    const keys = { ready: true, state: 'fresh', keys: 1, fetchedAt: null, lastFailure: null } as const
    const withLifecycle = createApp(stubAppDependencies({ keySet: { health: () => keys }, lifecycle }))
    expect((await request(withLifecycle, '/readyz')).status).toBe(200)
    lifecycle.shuttingDown = true
    const answer = await request(withLifecycle, '/readyz')
    expect(answer.status).toBe(503)
    expect(answer.body).toMatchObject({ status: 'not_ready', reason: 'shutting_down' })
    expect((await request(withLifecycle, '/healthz')).status).toBe(200)
  })
})
