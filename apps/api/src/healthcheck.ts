import type { Environment } from '@repo/auth-config'

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]'])

/**
 * `--healthcheck`, for the container's HEALTHCHECK (no shell or curl in the image): 0 when /readyz answers 200, so
 * that a container whose issuer cannot be reached (every protected call a 503) is not reported healthy. Start-up
 * (keys not loaded yet) is covered by the HEALTHCHECK's start period and retries.
 */
export async function checkHealth(env: Environment): Promise<boolean> {
  const port = env.PORT?.trim() || '8000'
  const configured = env.HOST?.trim() ?? ''
  const host = WILDCARDS.has(configured)
    ? '127.0.0.1'
    : configured.includes(':') && !configured.startsWith('[')
      ? `[${configured}]`
      : configured
  return fetch(`http://${host}:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.ok,
    () => false,
  )
}
