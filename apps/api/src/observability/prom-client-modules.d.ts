// prom-client's own modules, imported one by one (`prom-client.ts` says why); typed as its index
// exports them.
declare module 'prom-client/lib/registry' {
  const Registry: typeof import('prom-client').Registry
  export default Registry
}
declare module 'prom-client/lib/gauge' {
  const Gauge: typeof import('prom-client').Gauge
  export default Gauge
}
declare module 'prom-client/lib/defaultMetrics' {
  const collectDefaultMetrics: typeof import('prom-client').collectDefaultMetrics
  export default collectDefaultMetrics
}
declare module 'prom-client/lib/cluster' {
  const AggregatorRegistry: typeof import('prom-client').AggregatorRegistry
  export default AggregatorRegistry
}
