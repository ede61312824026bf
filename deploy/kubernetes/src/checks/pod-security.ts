import type { KubernetesObject } from '../render.ts'
import { allContainers, podTemplates } from '../workload.ts'

/**
 * The Pod Security Standard `restricted`, plus what this project adds: a read-only root filesystem, no
 * service-account token, and requests and a memory limit on every container (Redis included).
 */
export function findPodSecurityProblems(objects: readonly KubernetesObject[]): string[] {
  return podTemplates(objects).flatMap(({ name, spec }) => {
    const problems: string[] = []
    const pod = spec.securityContext ?? {}
    if (spec.automountServiceAccountToken !== false)
      problems.push(`${name}: automountServiceAccountToken must be false`)
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${name}: must not share the host's namespaces`)
    for (const container of allContainers(spec)) {
      const where = `${name}/${container.name}`
      const own = container.securityContext ?? {}
      // The container's settings override the pod's for these four.
      const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot
      const runAsUser = own.runAsUser ?? pod.runAsUser
      const runAsGroup = own.runAsGroup ?? pod.runAsGroup
      const seccomp = (own.seccompProfile ?? pod.seccompProfile)?.type
      if (runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot must be true`)
      if (runAsUser === undefined || runAsUser === 0) problems.push(`${where}: runAsUser must be a non-zero uid`)
      if (runAsGroup === undefined || runAsGroup === 0) problems.push(`${where}: runAsGroup must be a non-zero gid`)
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
        problems.push(`${where}: seccompProfile must be RuntimeDefault`)
      }
      if (own.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`)
      if (own.privileged === true) problems.push(`${where}: must not be privileged`)
      if (own.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`)
      if (!own.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities must drop ALL`)
      if ((own.capabilities?.add ?? []).length > 0) problems.push(`${where}: must not add capabilities`)
      const { requests = {}, limits = {} } = container.resources ?? {}
      if (requests.cpu === undefined || requests.memory === undefined) {
        problems.push(`${where}: resources.requests needs cpu and memory`)
      }
      if (limits.memory === undefined) problems.push(`${where}: resources.limits needs memory`)
    }
    return problems
  })
}
