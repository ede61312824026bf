/** `/metrics` on a port of its own (METRICS_PORT): kept off the API's port, so off the public ingress. */
export interface MetricsListener {
  readonly url: string
  stop(): void
}

export function startMetricsListener(options: {
  port: number
  hostname: string
  render: () => Promise<string>
  contentType: string
}): MetricsListener {
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname,
    reusePort: false,
    async fetch(request) {
      const { pathname } = new URL(request.url)
      if (pathname !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        return new Response('Not Found', { status: 404 })
      }
      return new Response(await options.render(), { headers: { 'content-type': options.contentType } })
    },
  })
  return {
    url: `http://${options.hostname}:${server.port}/metrics`,
    stop: () => void server.stop(true),
  }
}
