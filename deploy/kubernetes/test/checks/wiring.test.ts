import { expect, test } from 'bun:test'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Service } from 'kubernetes-models/v1/Service'
import { findWiringProblems } from '../../src/checks/wiring.ts'
import { container, edit, editDeployment, type Mutation, setConfigValue } from '../support/mutations.ts'
import { describeRendered, type Target, useRenders } from '../support/targets.ts'

const cases: [string, Target, Mutation, string][] = [
  [
    'a Service selecting no pod',
    'base',
    edit(Service.is, 'api', ({ spec }) => {
      if (spec) spec.selector = { 'app.kubernetes.io/name': 'other' }
    }),
    'Service api: selects 0',
  ],
  [
    'a Service targeting a port number',
    'base',
    edit(Service.is, 'api', ({ spec }) => {
      if (spec) spec.ports = [{ name: 'http', port: 80, targetPort: 8000 }]
    }),
    'Service api: port http must target a named container port',
  ],
  [
    'a Service targeting a port the pods lack',
    'redis',
    edit(Service.is, 'redis', ({ spec }) => {
      if (spec) spec.ports = [{ name: 'redis', port: 6379, targetPort: 'valkey' }]
    }),
    'Service redis: port redis must target a named container port',
  ],
  [
    'an autoscaler aimed elsewhere',
    'base',
    edit(HorizontalPodAutoscaler.is, 'api', ({ spec }) => {
      if (spec) spec.scaleTargetRef.name = 'apii'
    }),
    'no HorizontalPodAutoscaler targets Deployment api',
  ],
  [
    'a Deployment whose selector misses its own pods',
    'base',
    editDeployment('api', ({ spec }) => {
      if (spec) spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'other' } }
    }),
    'Deployment api: selector misses its pods',
  ],
  [
    'an autoscaler on a Deployment that is not rendered',
    'base',
    edit(HorizontalPodAutoscaler.is, 'api', ({ spec }) => {
      if (spec) spec.scaleTargetRef.name = 'apii'
    }),
    'an autoscaler targets nothing',
  ],
  [
    'an autoscaler on memory',
    'base',
    edit(HorizontalPodAutoscaler.is, 'api', ({ spec }) => {
      const [metric] = spec?.metrics ?? []
      if (metric?.resource) metric.resource.name = 'memory'
    }),
    'the autoscaler must scale on CPU utilisation',
  ],
  [
    'one replica',
    'base',
    edit(HorizontalPodAutoscaler.is, 'api', ({ spec }) => {
      if (spec) spec.minReplicas = 1
    }),
    'the autoscaler must keep 2 replicas or more',
  ],
  [
    'replicas in the Deployment (reset by every apply)',
    'production',
    editDeployment('api', ({ spec }) => {
      if (spec) spec.replicas = 3
    }),
    'the autoscaler owns replicas',
  ],
  [
    'a budget for other pods',
    'base',
    edit(PodDisruptionBudget.is, 'api', ({ spec }) => {
      if (spec) spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'other' } }
    }),
    'no PodDisruptionBudget selects the pods of api',
  ],
  [
    'a budget allowing two down',
    'base',
    edit(PodDisruptionBudget.is, 'api', ({ spec }) => {
      if (spec) spec.maxUnavailable = 2
    }),
    'the PodDisruptionBudget must be maxUnavailable 1 or minAvailable 1',
  ],
  [
    'a ServiceMonitor on the API port',
    'production+components',
    edit(ServiceMonitor.is, 'api', ({ spec }) => {
      const [endpoint] = spec?.endpoints ?? []
      if (endpoint) endpoint.port = 'http'
    }),
    'ServiceMonitor api: must scrape /metrics on a Service port targeting metrics',
  ],
  [
    'a REDIS_URL naming no rendered Service',
    'redis',
    setConfigValue('REDIS_URL', 'redis://cache:6379'),
    'REDIS_URL redis://cache:6379 does not name a rendered Service and port',
  ],
  [
    'a ConfigMap not rendered',
    'base',
    editDeployment('api', (api) => {
      container(api, 'api').envFrom = [{ configMapRef: { name: 'missing' } }]
    }),
    'api/api: ConfigMap missing is not rendered',
  ],
]

describeRendered('findWiringProblems', () => {
  const rendered = useRenders(['base', 'production', 'redis', 'production+components'])

  test.each(cases)('catches %s', (_, target, mutate, expected) => {
    expect(findWiringProblems(rendered(target))).toEqual([])
    expect(findWiringProblems(mutate(rendered(target)))).toContainEqual(expect.stringContaining(expected))
  })
})
