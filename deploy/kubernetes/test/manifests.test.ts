import { beforeAll, expect, test } from 'bun:test'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { checkManifests } from '../src/check-manifests.ts'
import { GRACE_MARGIN_SECONDS } from '../src/checks/api-container.ts'
import { loadRepositoryFacts, type RepositoryFacts } from '../src/repository-facts.ts'
import { API_NAME, findPodTemplate, resolveEnvironment, selects } from '../src/workload.ts'
import { describeRendered, REPOSITORY_ROOT, TARGETS, type Target, useRenders } from './support/targets.ts'

describeRendered('kubectl kustomize', () => {
  const objectsOf = useRenders(TARGETS)
  let facts: RepositoryFacts
  beforeAll(async () => {
    facts = await loadRepositoryFacts(REPOSITORY_ROOT)
  })

  const apiContainer = (target: Target) => {
    const container = findPodTemplate(objectsOf(target), API_NAME)?.spec.containers.find(
      ({ name }) => name === API_NAME,
    )
    if (container === undefined) throw new Error(`${target}: no API container`)
    return container
  }

  test.each(TARGETS)(
    '%s: every object is valid against its schema, with no unknown field, and passes every check',
    (target) => {
      expect(objectsOf(target).length).toBeGreaterThan(0)
      expect(checkManifests(objectsOf(target), facts)).toEqual([])
    },
  )

  test('the probes use the routes the API defines', () => {
    expect(facts.healthRoutes).toContain('GET /healthz')
    expect(facts.healthRoutes).toContain('GET /readyz')
    const { readinessProbe, livenessProbe, startupProbe } = apiContainer('base')
    expect(readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' })
    expect(livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' })
  })

  test("the container listens where the image says: the Dockerfile's EXPOSE and ENV PORT", () => {
    const http = apiContainer('base').ports?.find(({ name }) => name === 'http')
    expect(facts.apiImage.exposedPorts).toEqual([http?.containerPort ?? Number.NaN])
    expect(facts.apiImage.env.PORT).toBe(String(http?.containerPort))
  })

  test("the base runs docker compose's image; production pins a release of it", () => {
    expect(apiContainer('base').image).toBe(facts.composeImage)
    const production = apiContainer('production').image ?? ''
    expect(production.endsWith(`/${facts.composeImage.split(':')[0]}:0.1.0`)).toBe(true)
  })

  test.each(TARGETS)('%s: the grace period outlasts the drain (delay + timeout + margin)', (target) => {
    const objects = objectsOf(target)
    const environment = resolveEnvironment(apiContainer(target), objects)
    const delay = Number(environment.get('SHUTDOWN_DELAY_SECONDS'))
    const timeout = Number(environment.get('SHUTDOWN_TIMEOUT_SECONDS'))
    expect(delay).toBeGreaterThan(0)
    expect(timeout).toBeGreaterThan(0)
    const grace = findPodTemplate(objects, API_NAME)?.spec.terminationGracePeriodSeconds ?? 0
    expect(grace).toBeGreaterThanOrEqual(delay + timeout + GRACE_MARGIN_SECONDS)
  })

  test.each(TARGETS)('%s: the API reaches only DNS and HTTPS, plus Redis where it is deployed', (target) => {
    const objects = objectsOf(target)
    const api = findPodTemplate(objects, API_NAME)
    const egressPorts = objects
      .filter((object) => NetworkPolicy.is(object))
      .filter(({ spec }) => api !== undefined && selects(spec?.podSelector, api.labels))
      .flatMap(({ spec }) => spec?.egress ?? [])
      .flatMap(({ ports = [] }) => ports.map(({ port, protocol }) => `${protocol}/${port}`))
    const expected = [
      'UDP/53',
      'TCP/53',
      'TCP/443',
      ...(target.includes('redis') || target.includes('components') ? ['TCP/6379'] : []),
    ]
    expect(egressPorts.sort()).toEqual(expected.sort())
  })

  test('the base and the overlays need no CRD: the ServiceMonitor comes only with its component', () => {
    for (const target of ['base', 'production', 'redis'] as const) {
      expect(objectsOf(target).map(({ apiVersion }) => apiVersion)).not.toContain('monitoring.coreos.com/v1')
    }
    expect(objectsOf('production+components').map(({ kind }) => kind)).toContain('ServiceMonitor')
  })

  test('production: three replicas at least, its public URL, and its own namespace', () => {
    const objects = objectsOf('production')
    const autoscaler = objects.find((object) => HorizontalPodAutoscaler.is(object))
    expect(autoscaler?.spec?.minReplicas).toBe(3)
    expect(resolveEnvironment(apiContainer('production'), objects).get('PUBLIC_ORIGIN')).toBe('https://api.example.com')
    expect(objects.every(({ kind, metadata }) => kind === 'Namespace' || metadata?.namespace === 'bun-auth0-api')).toBe(
      true,
    )
  })

  test('redis: the API is given the Redis the overlay deploys', () => {
    const objects = objectsOf('redis')
    expect(resolveEnvironment(apiContainer('redis'), objects).get('REDIS_URL')).toBe('redis://redis:6379')
    const redis = objects.filter((object) => Deployment.is(object)).find(({ metadata }) => metadata?.name === 'redis')
    expect(redis?.spec?.template.spec?.containers[0]?.image).toBe('redis:7-bookworm')
  })
})
