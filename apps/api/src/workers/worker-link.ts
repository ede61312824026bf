import type { ApiMetrics } from '../observability/metrics.ts'
import type { SupervisorMessage, WorkerMessage } from './messages.ts'

/** A worker's side of the supervisor's IPC channel. */
export interface WorkerLink {
  readonly id: number
  /** Tells the supervisor the port this worker bound (the others then bind the same one). */
  listening(port: number): void
  /** Every worker's metrics, summed by the supervisor: what /metrics on the API port answers. */
  aggregatedMetrics(): Promise<string>
}

const send = (message: WorkerMessage) => process.send?.(message)

export function createWorkerLink(id: number, metrics: ApiMetrics, timeoutMs = 5000): WorkerLink {
  let nextRequest = 0
  const pending = new Map<number, (text: string) => void>()
  process.on('message', (message: SupervisorMessage) => {
    if (message.type === 'metrics_collect') {
      void metrics.snapshot().then((snapshot) => send({ type: 'metrics_snapshot', id: message.id, metrics: snapshot }))
    } else if (message.type === 'metrics_text') {
      pending.get(message.id)?.(message.text)
      pending.delete(message.id)
    }
  })
  return {
    id,
    listening: (port) => send({ type: 'listening', port }),
    aggregatedMetrics() {
      const id = ++nextRequest
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error('the supervisor did not answer'))
        }, timeoutMs)
        pending.set(id, (text) => {
          clearTimeout(timer)
          resolve(text)
        })
        send({ type: 'metrics_request', id })
      })
    },
  }
}
