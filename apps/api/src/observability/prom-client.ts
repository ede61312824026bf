/// <reference path="./prom-client-modules.d.ts" />
/**
 * The parts of prom-client this app uses, each from its own module. prom-client's index also loads its Pushgateway
 * client, with `node:http`, `node:https` and `node:zlib`, and this app never pushes (Prometheus scrapes it): the
 * compiled binary's idle RSS went from 59.4 to 57.5 MB without them (five starts each, docs/performance.md). The
 * types are prom-client's own.
 */
import type * as PromClient from 'prom-client'
import collectDefaultMetricsModule from 'prom-client/lib/defaultMetrics'
import GaugeModule from 'prom-client/lib/gauge'
import RegistryModule from 'prom-client/lib/registry'

export type {
  Metric,
  MetricObjectWithValues,
  MetricValue,
} from 'prom-client'

export const Registry: typeof PromClient.Registry = RegistryModule
export type Registry = PromClient.Registry
export const Gauge: typeof PromClient.Gauge = GaugeModule
export type Gauge<T extends string = string> = PromClient.Gauge<T>
export const collectDefaultMetrics: typeof PromClient.collectDefaultMetrics = collectDefaultMetricsModule
