import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Service } from 'kubernetes-models/v1/Service'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { describeObject, type KubernetesObject } from './render.ts'

/** A kubernetes-models class: its prototype's `validate()` runs the package's compiled JSON-schema validator. */
interface Model {
  readonly apiVersion: string
  readonly kind: string
  readonly prototype: { validate(this: unknown): void }
}

/**
 * The kinds these manifests may contain, each with its schema. A kind missing here fails the check:
 * add its model rather than skip it. ServiceMonitor is a CRD: its schema comes from the models that
 * @kubernetes-models/prometheus-operator generates from the operator's own CRDs.
 */
const MODELS: readonly Model[] = [
  ConfigMap,
  Deployment,
  HorizontalPodAutoscaler,
  Namespace,
  NetworkPolicy,
  PodDisruptionBudget,
  Service,
  ServiceAccount,
  ServiceMonitor,
]

/**
 * Problems of one object against the Kubernetes schema, unknown fields included (empty when valid).
 *
 * kubernetes-models' `validate()` accepts fields the schema does not define (the OpenAPI schemas have no
 * `additionalProperties: false`), and the package ships its schemas compiled into validator functions, not
 * as JSON to walk. So the object is validated through a proxy that records which fields the validator
 * reads: a compiled validator reads every field its schema defines, and nothing else. A field it never
 * read is unknown to the schema, as `kubectl apply --validate=strict` would report it (a typo such as
 * `readinessProbes` would otherwise be dropped in silence by the API server). A field whose schema
 * accepts anything is not read either, so it is reported too: none of the kinds above has one where
 * these manifests write.
 */
export function findSchemaProblems(object: KubernetesObject): string[] {
  const model = MODELS.find(({ apiVersion, kind }) => apiVersion === object.apiVersion && kind === object.kind)
  if (model === undefined) return [`${describeObject(object)}: no schema for ${object.apiVersion} ${object.kind}`]
  const { proxy, readFields } = trackReads(object)
  try {
    model.prototype.validate.call(proxy)
  } catch (error) {
    return [`${describeObject(object)}: ${error instanceof Error ? error.message : String(error)}`]
  }
  return unreadFields(object, readFields).map((path) => `${describeObject(object)}: unknown field ${path}`)
}

function trackReads(root: object) {
  const readFields = new Map<object, Set<PropertyKey>>()
  const proxies = new WeakMap<object, object>()
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value
    const known = proxies.get(value)
    if (known !== undefined) return known
    const fields = new Set<PropertyKey>()
    readFields.set(value, fields)
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        fields.add(key)
        return wrap(Reflect.get(target, key, receiver))
      },
    })
    proxies.set(value, proxy)
    return proxy
  }
  return { proxy: wrap(root), readFields }
}

function unreadFields(value: unknown, readFields: ReadonlyMap<object, ReadonlySet<PropertyKey>>, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return []
  if (Array.isArray(value)) return value.flatMap((item, index) => unreadFields(item, readFields, `${path}[${index}]`))
  const read = readFields.get(value)
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path === '' ? key : `${path}.${key}`
    return read?.has(key) ? unreadFields(child, readFields, childPath) : [childPath]
  })
}
