import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { type IService, Service } from 'kubernetes-models/v1/Service'
import type { KubernetesObject } from '../render.ts'
import {
  API_NAME,
  allContainers,
  findContainerPort,
  findPodTemplate,
  podTemplates,
  resolveEnvironment,
  selects,
} from '../workload.ts'

/** The names and selectors that tie the objects together: a mismatch is silent on a cluster (no endpoints). */
export function findWiringProblems(objects: readonly KubernetesObject[]): string[] {
  const problems: string[] = []
  const templates = podTemplates(objects)
  const services = objects.filter((object) => Service.is(object))

  for (const { name, deployment, labels } of templates) {
    if (!selects(deployment.spec?.selector, labels)) problems.push(`Deployment ${name}: selector misses its pods`)
  }

  // Services: select one Deployment's pods, and target its ports by name (a renumbered port follows).
  for (const service of services) {
    const name = service.metadata?.name
    const selector = service.spec?.selector ?? {}
    const targets = templates.filter(
      ({ labels }) => Object.keys(selector).length > 0 && selects({ matchLabels: selector }, labels),
    )
    if (targets.length !== 1) {
      problems.push(`Service ${name}: selects ${targets.length} Deployments' pods, not 1`)
      continue
    }
    const containers = allContainers(targets[0]?.spec ?? { containers: [] })
    for (const port of service.spec?.ports ?? []) {
      if (typeof port.targetPort !== 'string' || findContainerPort(containers, port.targetPort) === undefined) {
        problems.push(`Service ${name}: port ${port.name} must target a named container port`)
      }
    }
  }

  // The autoscaler: owns the API Deployment's replica count, never below two.
  const api = findPodTemplate(objects, API_NAME)
  const autoscalers = objects.filter((object) => HorizontalPodAutoscaler.is(object))
  const autoscaler = autoscalers.find(({ spec }) => spec?.scaleTargetRef.name === API_NAME)
  const target = autoscaler?.spec?.scaleTargetRef
  if (autoscaler?.spec === undefined || target?.kind !== 'Deployment' || target.apiVersion !== 'apps/v1' || !api) {
    problems.push(`no HorizontalPodAutoscaler targets Deployment ${API_NAME}`)
  } else {
    const { minReplicas = 1, maxReplicas, metrics = [] } = autoscaler.spec
    if (minReplicas < 2 || maxReplicas < minReplicas) problems.push('the autoscaler must keep 2 replicas or more')
    if (!metrics.some(({ resource }) => resource?.name === 'cpu' && resource.target.type === 'Utilization')) {
      problems.push('the autoscaler must scale on CPU utilisation')
    }
    if (api.deployment.spec?.replicas !== undefined)
      problems.push('the autoscaler owns replicas: remove it from the Deployment')
  }
  for (const { spec } of autoscalers) {
    if (!templates.some(({ name }) => name === spec?.scaleTargetRef.name))
      problems.push('an autoscaler targets nothing')
  }

  // The disruption budget: covers the API's pods, one down at a time.
  const budgets = objects.filter((object) => PodDisruptionBudget.is(object))
  const budget = api && budgets.find(({ spec }) => selects(spec?.selector, api.labels))
  if (!budget) problems.push(`no PodDisruptionBudget selects the pods of ${API_NAME}`)
  else if (budget.spec?.maxUnavailable !== 1 && budget.spec?.minAvailable !== 1) {
    problems.push('the PodDisruptionBudget must be maxUnavailable 1 or minAvailable 1')
  }

  // ServiceMonitor: a Service with that port name, whose target is the metrics port.
  for (const monitor of objects.filter((object) => ServiceMonitor.is(object))) {
    const service = services.find(({ metadata }) => selects(monitor.spec?.selector, metadata?.labels ?? {}))
    for (const endpoint of monitor.spec?.endpoints ?? []) {
      const port = service?.spec?.ports?.find(({ name }) => name === endpoint.port)
      if (port?.targetPort !== 'metrics' || endpoint.path !== '/metrics') {
        problems.push(
          `ServiceMonitor ${monitor.metadata?.name}: must scrape /metrics on a Service port targeting metrics`,
        )
      }
    }
  }

  // ConfigMaps the pods read, and the Redis they are told to use, are part of the same render.
  for (const { name, spec } of templates) {
    for (const container of allContainers(spec)) {
      for (const { configMapRef } of container.envFrom ?? []) {
        const exists = objects.some(
          ({ kind, metadata }) => kind === 'ConfigMap' && metadata?.name === configMapRef?.name,
        )
        if (!exists) problems.push(`${name}/${container.name}: ConfigMap ${configMapRef?.name} is not rendered`)
      }
      const redisUrl = resolveEnvironment(container, objects).get('REDIS_URL')
      if (redisUrl !== undefined) problems.push(...findRedisUrlProblems(redisUrl, services))
    }
  }
  return problems
}

function findRedisUrlProblems(redisUrl: string, services: readonly IService[]): string[] {
  const url = URL.parse(redisUrl)
  const port = Number(url?.port || 6379)
  const service = services.find(({ metadata }) => metadata?.name === url?.hostname)
  if (url?.protocol !== 'redis:' || !service?.spec?.ports?.some((candidate) => candidate.port === port)) {
    return [`REDIS_URL ${redisUrl} does not name a rendered Service and port`]
  }
  return []
}
