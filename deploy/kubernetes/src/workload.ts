import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort'
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec'
import type { KubernetesObject } from './render.ts'

/** meta/v1 LabelSelector (its package, @kubernetes-models/apimachinery, is not a direct dependency). */
export type LabelSelector = NonNullable<IDeployment['spec']>['selector']

/** The API's Deployment and container names, as the manifests and docker compose spell them. */
export const API_NAME = 'api'

/** A Deployment's pod template, the part every check looks at. */
export interface PodTemplate {
  readonly deployment: IDeployment
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly spec: IPodSpec
}

export function deployments(objects: readonly KubernetesObject[]): IDeployment[] {
  return objects.filter((object) => Deployment.is(object))
}

export function podTemplates(objects: readonly KubernetesObject[]): PodTemplate[] {
  return deployments(objects).flatMap((deployment) => {
    const template = deployment.spec?.template
    if (template?.spec === undefined) return []
    return [
      {
        deployment,
        name: deployment.metadata?.name ?? '(unnamed)',
        labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {},
        spec: template.spec,
      },
    ]
  })
}

export function findPodTemplate(objects: readonly KubernetesObject[], name: string): PodTemplate | undefined {
  return podTemplates(objects).find((template) => template.name === name)
}

export function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers]
}

/** Label selector semantics (matchLabels and matchExpressions); an empty selector selects everything. */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return false
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value)
  return (
    labelsMatch &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key]
      if (operator === 'In') return value !== undefined && values.includes(value)
      if (operator === 'NotIn') return value === undefined || !values.includes(value)
      if (operator === 'Exists') return value !== undefined
      if (operator === 'DoesNotExist') return value === undefined
      return false
    })
  )
}

/** The container port a probe, Service or policy names: by name, or by number. */
export function findContainerPort(
  containers: readonly IContainer[],
  port: string | number,
): IContainerPort | undefined {
  return containers
    .flatMap((container) => container.ports ?? [])
    .find((candidate) => (typeof port === 'string' ? candidate.name === port : candidate.containerPort === port))
}

/**
 * The environment a container starts with, as the kubelet builds it: `envFrom` ConfigMaps first, then `env`,
 * later entries winning. Values from other sources (Secrets, fieldRef) are recorded as undefined.
 */
export function resolveEnvironment(
  container: IContainer,
  objects: readonly KubernetesObject[],
): Map<string, string | undefined> {
  const environment = new Map<string, string | undefined>()
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name
    const configMap = objects.filter((object) => ConfigMap.is(object)).find((map) => map.metadata?.name === name)
    for (const [key, value] of Object.entries(configMap?.data ?? {}))
      environment.set(`${source.prefix ?? ''}${key}`, value)
  }
  for (const variable of container.env ?? []) environment.set(variable.name, variable.value)
  return environment
}
