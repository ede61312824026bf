/**
 * prom-client, loaded from the files of the parts this server uses rather than from the package's index. The index
 * evaluates all of it on import: the Pushgateway (`node:http`, `node:https`, `node:zlib`), the cluster aggregator
 * (`node:cluster`) and every default metric (the CPU one loads `@opentelemetry/api` for exemplars): 2.5 MB of the
 * compiled API's resident memory at rest (54.4 → 51.9 MB, docs/performance.md), for code a scraped server never
 * runs. The text format, the registry and the collectors are still prom-client's; the workers' supervisor, which
 * sums their metrics with `AggregatorRegistry`, imports the package itself and is loaded only when there are workers.
 *
 * The version is pinned (package.json, bun.lock): a release that moved these files fails the build and every test
 * that imports this module, not silently.
 */
// The types of those files, for every program that compiles this module (the benchmarks and examples too).
/// <reference path="./prom-client-files.d.ts" />
import type * as Package from 'prom-client'
import Counter from 'prom-client/lib/counter'
import GaugeClass from 'prom-client/lib/gauge'
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag'
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed'
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap'
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors'
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors'
import processStartTime from 'prom-client/lib/metrics/processStartTime'
import RegistryClass from 'prom-client/lib/registry'

export const Registry = RegistryClass
export type Registry = Package.Registry
export const Gauge = GaugeClass
export type Gauge<T extends string = string> = Package.Gauge<T>

/**
 * The process's CPU time, as prom-client's default `process_cpu_*` counters (user, system, both), without their
 * exemplars: theirs is the one default collector that loads `@opentelemetry/api`.
 */
function processCpu(registry: Registry, prefix: string): void {
  let last = process.cpuUsage()
  const user = new Counter({
    name: `${prefix}process_cpu_user_seconds_total`,
    help: 'Total user CPU time spent in seconds.',
    registers: [registry],
    // One metric's `collect` sets all three, from one reading.
    collect() {
      const now = process.cpuUsage()
      const userMicros = now.user - last.user
      const systemMicros = now.system - last.system
      last = now
      user.inc(userMicros / 1e6)
      system.inc(systemMicros / 1e6)
      total.inc((userMicros + systemMicros) / 1e6)
    },
  })
  const system = new Counter({
    name: `${prefix}process_cpu_system_seconds_total`,
    help: 'Total system CPU time spent in seconds.',
    registers: [registry],
  })
  const total = new Counter({
    name: `${prefix}process_cpu_seconds_total`,
    help: 'Total user and system CPU time spent in seconds.',
    registers: [registry],
  })
}

/**
 * Registers prom-client's default process metrics that have real values on Bun (CPU, start time, memory, file
 * descriptors, event-loop lag, heap), named `<prefix>process_*` and `<prefix>nodejs_*` as `collectDefaultMetrics`
 * names them. The event-loop monitor it starts cannot be stopped: once per process is enough.
 */
export function collectProcessMetrics(registry: Registry, prefix: string): void {
  processCpu(registry, prefix)
  const config = { prefix, eventLoopMonitoringPrecision: 10 }
  for (const collect of [
    processStartTime,
    osMemoryHeap,
    processOpenFileDescriptors,
    processMaxFileDescriptors,
    eventLoopLag,
    heapSizeAndUsed,
  ]) {
    collect(registry, config)
  }
}
