import type { MetricObjectWithValues, MetricValue } from 'prom-client'

/** The environment variable that marks a process as a worker of the supervisor (its number, from 1). */
export const WORKER_ENV = 'API_WORKER_ID'

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[]

/** Worker → supervisor. */
export type WorkerMessage =
  | { readonly type: 'listening'; readonly port: number }
  /** A scrape of /metrics on the API port: the supervisor answers with every worker's metrics, summed. */
  | { readonly type: 'metrics_request'; readonly id: number }
  | { readonly type: 'metrics_snapshot'; readonly id: number; readonly metrics: MetricsSnapshot }

/** Supervisor → worker. */
export type SupervisorMessage =
  | { readonly type: 'metrics_collect'; readonly id: number }
  | { readonly type: 'metrics_text'; readonly id: number; readonly text: string }
