// prom-client's own files, which its index re-exports (see prom-client.ts, which references this file); types from the package.
declare module 'prom-client/lib/registry' {
  const Registry: typeof import('prom-client').Registry
  export default Registry
}
declare module 'prom-client/lib/counter' {
  const Counter: typeof import('prom-client').Counter
  export default Counter
}
declare module 'prom-client/lib/gauge' {
  const Gauge: typeof import('prom-client').Gauge
  export default Gauge
}
declare module 'prom-client/lib/metrics/*' {
  /** One of the default metrics' collectors: registers its metrics on `registry`. */
  const collect: (
    registry: import('prom-client').Registry,
    config: { readonly prefix?: string; readonly eventLoopMonitoringPrecision?: number },
  ) => void
  export default collect
}
