import type { KeySetHealth } from '@repo/access-token'
import { Elysia, t } from 'elysia'

export interface Readiness {
  health(): KeySetHealth
}

/** The process's own state: once it is shutting down, /readyz answers 503 whatever the keys. */
export interface Lifecycle {
  readonly shuttingDown: boolean
}

const KeySetState = t.Object({
  ready: t.Boolean(),
  state: t.String(),
  keys: t.Number(),
  fetchedAt: t.Nullable(t.String()),
  lastFailure: t.Nullable(t.String()),
})

/**
 * Liveness (the process serves) and readiness (a usable key set is held, and the process is not shutting down:
 * after SIGTERM, 503 with the reason `shutting_down`, so that load balancers stop sending traffic while the
 * requests in flight finish).
 */
export function createHealthRoutes(readiness: Readiness, lifecycle?: Lifecycle) {
  return new Elysia({ name: 'routes/health' })
    .get('/healthz', () => ({ status: 'ok' }), {
      detail: { summary: 'Liveness', tags: ['operations'] },
      response: { 200: t.Object({ status: t.String() }) },
    })
    .get(
      '/readyz',
      ({ status }) => {
        const keySet = readiness.health()
        if (lifecycle?.shuttingDown === true)
          return status(503, { status: 'not_ready', reason: 'shutting_down', keySet })
        if (keySet.ready) return { status: 'ready', keySet }
        const reason = keySet.lastFailure === null ? keySet.state : `${keySet.state}: ${keySet.lastFailure}`
        return status(503, { status: 'not_ready', reason, keySet })
      },
      {
        detail: { summary: 'Readiness: 200 once a usable key set is held', tags: ['operations'] },
        response: {
          200: t.Object({ status: t.String(), keySet: KeySetState }),
          503: t.Object({ status: t.String(), reason: t.String(), keySet: KeySetState }),
        },
      },
    )
}
