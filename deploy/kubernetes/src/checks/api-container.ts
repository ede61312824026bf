import type { IProbe } from 'kubernetes-models/v1/Probe'
import type { KubernetesObject } from '../render.ts'
import type { RepositoryFacts } from '../repository-facts.ts'
import { API_NAME, findContainerPort, findPodTemplate, resolveEnvironment } from '../workload.ts'

/** Seconds between the end of the drain and SIGKILL: the process's own exit, and slack for a slow node. */
export const GRACE_MARGIN_SECONDS = 3

/** For development only: refused in manifests although the API reads it. */
const DEVELOPMENT_ONLY = new Set(['AUTH0_ALLOW_INSECURE_ISSUER'])

/** The API's container against the image (Dockerfile, docker compose), the app's routes, and its own settings. */
export function findApiContainerProblems(objects: readonly KubernetesObject[], facts: RepositoryFacts): string[] {
  const template = findPodTemplate(objects, API_NAME)
  const container = template?.spec.containers.find(({ name }) => name === API_NAME)
  if (template === undefined || container === undefined)
    return [`no Deployment ${API_NAME} with a container ${API_NAME}`]
  const problems: string[] = []
  const env = resolveEnvironment(container, objects)
  const containers = [container]

  // The port: the image's EXPOSE and ENV PORT, the PORT given here, and the container port `http` agree.
  const httpPort = findContainerPort(containers, 'http')?.containerPort
  if (httpPort === undefined || !facts.apiImage.exposedPorts.includes(httpPort)) {
    problems.push(`container port http (${httpPort}) is not EXPOSEd by the Dockerfile's api stage`)
  }
  if (facts.apiImage.env.PORT !== String(httpPort)) problems.push(`the image's ENV PORT is not the container port http`)
  if (env.has('PORT') && env.get('PORT') !== String(httpPort)) problems.push(`PORT is not the container port http`)

  // /metrics: its own port, named `metrics`, and the scrape annotations point at it.
  const metricsPort = findContainerPort(containers, 'metrics')?.containerPort
  if (metricsPort === undefined || env.get('METRICS_PORT') !== String(metricsPort)) {
    problems.push('METRICS_PORT must be set to the container port named metrics')
  }
  const { annotations } = template
  if (annotations['prometheus.io/scrape'] !== 'true' || annotations['prometheus.io/port'] !== String(metricsPort)) {
    problems.push('prometheus.io/scrape and prometheus.io/port must point at the metrics port')
  }
  if (annotations['prometheus.io/path'] !== '/metrics') problems.push('prometheus.io/path must be /metrics')

  // The image docker compose builds (any registry in front of it), at a pinned tag.
  const { repository, pinned } = parseImage(container.image ?? '')
  const composeRepository = parseImage(facts.composeImage).repository
  if (repository !== composeRepository && !repository.endsWith(`/${composeRepository}`)) {
    problems.push(`image ${container.image} is not docker compose's ${composeRepository}`)
  }
  if (!pinned) problems.push(`image ${container.image} needs a pinned tag`)

  // Probes: liveness and startup on /healthz, readiness on /readyz, all routes the app serves, on `http`.
  const probes: [string, IProbe | undefined, string][] = [
    ['startupProbe', container.startupProbe, '/healthz'],
    ['livenessProbe', container.livenessProbe, '/healthz'],
    ['readinessProbe', container.readinessProbe, '/readyz'],
  ]
  for (const [field, probe, path] of probes) {
    const httpGet = probe?.httpGet
    if (httpGet === undefined) {
      problems.push(`${field} must be an httpGet probe`)
      continue
    }
    if (httpGet.path !== path) problems.push(`${field} must probe ${path}`)
    if (!facts.healthRoutes.includes(`GET ${httpGet.path}`))
      problems.push(`${field}: the API has no GET ${httpGet.path}`)
    if (findContainerPort(containers, httpGet.port)?.containerPort !== httpPort) {
      problems.push(`${field} must probe the http port`)
    }
  }

  // The drain (SHUTDOWN_DELAY_SECONDS, then SHUTDOWN_TIMEOUT_SECONDS) ends before SIGKILL.
  const delay = Number(env.get('SHUTDOWN_DELAY_SECONDS'))
  const timeout = Number(env.get('SHUTDOWN_TIMEOUT_SECONDS'))
  const grace = template.spec.terminationGracePeriodSeconds
  if (!Number.isFinite(delay) || !Number.isFinite(timeout)) {
    problems.push('SHUTDOWN_DELAY_SECONDS and SHUTDOWN_TIMEOUT_SECONDS must be set')
  } else if (grace === undefined || grace < delay + timeout + GRACE_MARGIN_SECONDS) {
    problems.push(
      `terminationGracePeriodSeconds (${grace}) must be at least delay ${delay} + timeout ${timeout} + ${GRACE_MARGIN_SECONDS}`,
    )
  }

  // Configuration: known names only, and the two the API cannot start without.
  for (const name of env.keys()) {
    if (!facts.apiVariables.has(name) || DEVELOPMENT_ONLY.has(name)) problems.push(`the API does not read ${name}`)
  }
  if (!env.get('AUTH0_DOMAIN') && !env.get('AUTH0_ISSUER_BASE_URL')) problems.push('no issuer configured')
  if (!env.get('AUTH0_API_AUDIENCE')) problems.push('no AUTH0_API_AUDIENCE configured')
  return problems
}

/** `registry:5000/name:tag@digest` → `registry:5000/name`, pinned by a digest or a tag other than latest. */
function parseImage(image: string): { repository: string; pinned: boolean } {
  const [reference = '', digest] = image.split('@')
  const colon = reference.lastIndexOf(':')
  // A colon before the last slash is a registry's port, not a tag.
  const tag = colon === -1 || reference.includes('/', colon) ? undefined : reference.slice(colon + 1)
  const repository = tag === undefined ? reference : reference.slice(0, colon)
  return { repository, pinned: digest !== undefined || (tag !== undefined && tag !== 'latest') }
}
