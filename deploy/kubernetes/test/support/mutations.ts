import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { KubernetesObject } from '../../src/render.ts'

/** One broken rule: a copy of a good render with one object changed. */
export type Mutation = (objects: readonly KubernetesObject[]) => KubernetesObject[]

type Guard<T> = (value: unknown) => value is T

export function edit<T>(guard: Guard<T>, name: string, change: (object: T) => void): Mutation {
  return (objects) => {
    const copy = structuredClone(objects) as KubernetesObject[]
    const object = copy.find((candidate) => guard(candidate) && candidate.metadata?.name === name)
    if (object === undefined || !guard(object)) throw new Error(`no ${name} to edit`)
    change(object)
    return copy
  }
}

export const editDeployment = (name: string, change: (deployment: IDeployment) => void) =>
  edit(Deployment.is, name, change)

/** The render's one ConfigMap (its name carries a hash), with `key` set to `value` or removed. */
export function setConfigValue(key: string, value: string | undefined): Mutation {
  return (objects) => {
    const name = objects.find((object) => ConfigMap.is(object))?.metadata?.name ?? ''
    return edit(ConfigMap.is, name, (configMap) => {
      const { [key]: _removed, ...rest } = configMap.data ?? {}
      configMap.data = value === undefined ? rest : { ...rest, [key]: value }
    })(objects)
  }
}

export function podSpec(deployment: IDeployment) {
  const spec = deployment.spec?.template.spec
  if (spec === undefined) throw new Error('no pod spec')
  return spec
}

export function container(deployment: IDeployment, name: string): IContainer {
  const found = podSpec(deployment).containers.find((candidate) => candidate.name === name)
  if (found === undefined) throw new Error(`no container ${name}`)
  return found
}

/** Sets (or with undefined removes) one `env` entry of the API container. */
export function setApiEnv(deployment: IDeployment, name: string, value: string | undefined) {
  const api = container(deployment, 'api')
  const others = (api.env ?? []).filter((variable) => variable.name !== name)
  api.env = value === undefined ? others : [...others, { name, value }]
}
