import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer'
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort'
import type { KubernetesObject } from '../render.ts'
import { API_NAME, findContainerPort, findPodTemplate, type PodTemplate, podTemplates, selects } from '../workload.ts'

const DNS = ['UDP/53', 'TCP/53']
const HTTPS = 'TCP/443'
const REDIS = 'TCP/6379'

/**
 * The API may reach DNS and HTTPS (the issuer) and, when Redis is rendered, Redis; it admits the API port
 * and, from a labelled namespace only, the metrics port. Redis admits only the API and reaches nothing.
 */
export function findNetworkPolicyProblems(objects: readonly KubernetesObject[]): string[] {
  const policies = objects.filter((object) => NetworkPolicy.is(object))
  const api = findPodTemplate(objects, API_NAME)
  if (api === undefined) return [`no Deployment ${API_NAME}`]
  const redis = podTemplates(objects).find(
    ({ name, spec }) => name !== API_NAME && findContainerPort(spec.containers, 6379) !== undefined,
  )
  return [...findApiProblems(policiesFor(policies, api), api, redis), ...findRedisProblems(policies, api, redis)]
}

function findApiProblems(policies: INetworkPolicy[], api: PodTemplate, redis: PodTemplate | undefined): string[] {
  const problems = missingPolicyTypes(policies, 'the API')
  const allowedEgress = new Set([...DNS, HTTPS, ...(redis ? [REDIS] : [])])
  for (const { egress = [] } of specs(policies)) {
    for (const { ports = [], to = [] } of egress) {
      const keys = ports.map(portKey)
      if (keys.length === 0) problems.push('an API egress rule allows every port')
      for (const key of keys) if (!allowedEgress.has(key)) problems.push(`the API may not reach ${key}`)
      // DNS and Redis go to known pods; only HTTPS (the issuer, which has no fixed address) may go anywhere.
      if (keys.some((key) => key !== HTTPS) && to.length === 0) {
        problems.push(`API egress to ${keys.join(', ')} must name its destination`)
      }
      if (keys.includes(REDIS) && !(redis && to.every((peer) => selectsOnly(peer, redis)))) {
        problems.push('API egress to 6379 must go to the Redis pods only')
      }
    }
  }
  for (const { ingress = [] } of specs(policies)) {
    for (const { ports = [], from = [] } of ingress) {
      if (ports.length === 0) problems.push('an API ingress rule admits every port')
      for (const { port = '' } of ports) {
        const name = findContainerPort(api.spec.containers, port)?.name
        if (name !== 'http' && name !== 'metrics') problems.push(`the API admits ${port}`)
        const fromLabelledNamespaces =
          from.length > 0 &&
          from.every(
            ({ namespaceSelector, ipBlock }) =>
              !ipBlock && Object.keys(namespaceSelector?.matchLabels ?? {}).length > 0,
          )
        if (name === 'metrics' && !fromLabelledNamespaces) {
          problems.push('the metrics port must be admitted from a labelled namespace only')
        }
      }
    }
  }
  return problems
}

function findRedisProblems(policies: INetworkPolicy[], api: PodTemplate, redis: PodTemplate | undefined): string[] {
  if (redis === undefined) return []
  const redisPolicies = policiesFor(policies, redis)
  const problems = missingPolicyTypes(redisPolicies, 'Redis')
  for (const { egress = [], ingress = [] } of specs(redisPolicies)) {
    if (egress.length > 0) problems.push('Redis must reach nothing')
    for (const { from = [] } of ingress) {
      if (from.length === 0 || !from.every((peer) => selectsOnly(peer, api))) {
        problems.push('Redis must admit the API pods only')
      }
    }
  }
  return problems
}

function specs(policies: readonly INetworkPolicy[]) {
  return policies.flatMap(({ spec }) => (spec === undefined ? [] : [spec]))
}

function policiesFor(policies: readonly INetworkPolicy[], template: PodTemplate): INetworkPolicy[] {
  return policies.filter(({ spec }) => selects(spec?.podSelector, template.labels))
}

function missingPolicyTypes(policies: readonly INetworkPolicy[], who: string): string[] {
  return (['Ingress', 'Egress'] as const)
    .filter((type) => !policies.some(({ spec }) => spec?.policyTypes?.includes(type)))
    .map((type) => `no ${type.toLowerCase()} policy for ${who}`)
}

/**
 * A peer in the same namespace whose pod selector is at least as narrow as the Deployment's own: it selects
 * that Deployment's pods and no pod without their labels (`podSelector: {}` would select every pod).
 */
function selectsOnly(peer: INetworkPolicyPeer, template: PodTemplate): boolean {
  const required = Object.entries(template.deployment.spec?.selector.matchLabels ?? {})
  const matchLabels = peer.podSelector?.matchLabels ?? {}
  return (
    peer.namespaceSelector === undefined &&
    peer.ipBlock === undefined &&
    selects(peer.podSelector, template.labels) &&
    required.length > 0 &&
    required.every(([key, value]) => matchLabels[key] === value)
  )
}

function portKey({ port, protocol = 'TCP' }: INetworkPolicyPort): string {
  return `${protocol}/${port}`
}
