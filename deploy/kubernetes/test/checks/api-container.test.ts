import { beforeAll, expect, test } from 'bun:test'
import { findApiContainerProblems } from '../../src/checks/api-container.ts'
import { loadRepositoryFacts, type RepositoryFacts } from '../../src/repository-facts.ts'
import { container, editDeployment, type Mutation, podSpec, setApiEnv, setConfigValue } from '../support/mutations.ts'
import { describeRendered, REPOSITORY_ROOT, type Target, useRenders } from '../support/targets.ts'

const editApi = (change: Parameters<typeof editDeployment>[1]) => editDeployment('api', change)

const cases: [string, Target, Mutation, string][] = [
  [
    'a port the image does not expose',
    'base',
    editApi((api) => {
      container(api, 'api').ports = [
        { name: 'http', containerPort: 8080 },
        { name: 'metrics', containerPort: 9464 },
      ]
      setApiEnv(api, 'PORT', '8080')
    }),
    'container port http (8080) is not EXPOSEd',
  ],
  [
    'a PORT unlike the container port',
    'base',
    editApi((api) => setApiEnv(api, 'PORT', '8001')),
    'PORT is not the container port http',
  ],
  [
    'a readiness route the API lacks',
    'base',
    editApi((api) => {
      container(api, 'api').readinessProbe = { httpGet: { path: '/ready', port: 'http' } }
    }),
    'readinessProbe: the API has no GET /ready',
  ],
  [
    'liveness on /readyz (an issuer outage would restart every pod)',
    'base',
    editApi((api) => {
      container(api, 'api').livenessProbe = { httpGet: { path: '/readyz', port: 'http' } }
    }),
    'livenessProbe must probe /healthz',
  ],
  [
    'a probe on the metrics port',
    'base',
    editApi((api) => {
      container(api, 'api').startupProbe = { httpGet: { path: '/healthz', port: 'metrics' } }
    }),
    'startupProbe must probe the http port',
  ],
  [
    'no startup probe',
    'base',
    editApi((api) => {
      delete container(api, 'api').startupProbe
    }),
    'startupProbe must be an httpGet probe',
  ],
  [
    'a grace period shorter than the drain',
    'base',
    editApi((api) => {
      podSpec(api).terminationGracePeriodSeconds = 15
    }),
    'terminationGracePeriodSeconds (15) must be at least delay 5 + timeout 10 + 3',
  ],
  [
    'a longer drain without a longer grace period',
    'redis',
    editApi((api) => setApiEnv(api, 'SHUTDOWN_TIMEOUT_SECONDS', '30')),
    'terminationGracePeriodSeconds (20) must be at least delay 5 + timeout 30 + 3',
  ],
  [
    'no shutdown timeout',
    'base',
    editApi((api) => setApiEnv(api, 'SHUTDOWN_TIMEOUT_SECONDS', undefined)),
    'SHUTDOWN_DELAY_SECONDS and SHUTDOWN_TIMEOUT_SECONDS must be set',
  ],
  [
    'another image',
    'base',
    editApi((api) => {
      container(api, 'api').image = 'example/api:1.0.0'
    }),
    "image example/api:1.0.0 is not docker compose's bun-auth0-api/api",
  ],
  [
    'an unpinned image',
    'production',
    editApi((api) => {
      container(api, 'api').image = 'registry.example.com/bun-auth0-api/api:latest'
    }),
    'needs a pinned tag',
  ],
  [
    'METRICS_PORT elsewhere',
    'base',
    editApi((api) => setApiEnv(api, 'METRICS_PORT', '9000')),
    'METRICS_PORT must be set to the container port named metrics',
  ],
  [
    'scraping the API port',
    'base',
    editApi((api) => {
      const annotations = api.spec?.template.metadata?.annotations
      if (annotations) annotations['prometheus.io/port'] = '8000'
    }),
    'prometheus.io/scrape and prometheus.io/port must point at the metrics port',
  ],
  ['a misspelt variable', 'base', setConfigValue('AUTH0_DOMIAN', 'x'), 'the API does not read AUTH0_DOMIAN'],
  [
    'a development-only variable',
    'production',
    setConfigValue('AUTH0_ALLOW_INSECURE_ISSUER', 'true'),
    'the API does not read AUTH0_ALLOW_INSECURE_ISSUER',
  ],
  ['no audience', 'base', setConfigValue('AUTH0_API_AUDIENCE', undefined), 'no AUTH0_API_AUDIENCE configured'],
  ['no issuer', 'base', setConfigValue('AUTH0_DOMAIN', undefined), 'no issuer configured'],
]

describeRendered('findApiContainerProblems', () => {
  const rendered = useRenders(['base', 'production', 'redis'])
  let facts: RepositoryFacts
  beforeAll(async () => {
    facts = await loadRepositoryFacts(REPOSITORY_ROOT)
  })

  test.each(cases)('catches %s', (_, target, mutate, expected) => {
    expect(findApiContainerProblems(rendered(target), facts)).toEqual([])
    expect(findApiContainerProblems(mutate(rendered(target)), facts)).toContainEqual(expect.stringContaining(expected))
  })

  test('catches an image whose EXPOSE or ENV PORT moved', () => {
    const moved = { ...facts, apiImage: { exposedPorts: [3000], env: { PORT: '3000' } } }
    expect(findApiContainerProblems(rendered('base'), moved)).toEqual([
      "container port http (8000) is not EXPOSEd by the Dockerfile's api stage",
      "the image's ENV PORT is not the container port http",
    ])
  })

  test('catches a probe on a route the API removed', () => {
    const withoutReadyz = { ...facts, healthRoutes: ['GET /healthz'] }
    expect(findApiContainerProblems(rendered('base'), withoutReadyz)).toEqual([
      'readinessProbe: the API has no GET /readyz',
    ])
  })
})
