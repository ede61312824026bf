import { findApiContainerProblems } from './checks/api-container.ts'
import { findNetworkPolicyProblems } from './checks/network-policies.ts'
import { findPodSecurityProblems } from './checks/pod-security.ts'
import { findWiringProblems } from './checks/wiring.ts'
import type { KubernetesObject } from './render.ts'
import type { RepositoryFacts } from './repository-facts.ts'
import { findSchemaProblems } from './strict-schema.ts'

/** Every problem of one render: the schema first (the other checks trust the objects' shape), then the rest. */
export function checkManifests(objects: readonly KubernetesObject[], facts: RepositoryFacts): string[] {
  const schemaProblems = objects.flatMap(findSchemaProblems)
  if (schemaProblems.length > 0) return schemaProblems
  return [
    ...findPodSecurityProblems(objects),
    ...findApiContainerProblems(objects, facts),
    ...findWiringProblems(objects),
    ...findNetworkPolicyProblems(objects),
  ]
}
