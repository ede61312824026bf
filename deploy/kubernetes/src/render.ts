import { parseAllDocuments } from 'yaml'

/** The fields every rendered object has; the rest is checked against its schema (see `strict-schema.ts`). */
export interface KubernetesObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata?: { readonly name?: string; readonly namespace?: string }
}

/** The `kubectl` on PATH, or undefined: kustomize is built into kubectl (1.14+), no other tool is needed. */
export function findKubectl(): string | undefined {
  return Bun.which('kubectl') ?? undefined
}

/** `kubectl kustomize DIR`: renders offline, without a cluster or a kubeconfig. */
export async function renderKustomization(kubectl: string, directory: string): Promise<KubernetesObject[]> {
  const child = Bun.spawn([kubectl, 'kustomize', directory], { stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (exitCode !== 0) throw new Error(`kubectl kustomize ${directory} failed (${exitCode}): ${stderr.trim()}`)
  return parseManifests(stdout, directory)
}

/** Multi-document YAML to plain objects; any YAML error or non-object document is an error. */
export function parseManifests(text: string, source: string): KubernetesObject[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${source}, document ${index}: ${document.errors.map((error) => error.message).join('; ')}`)
    }
    const value: unknown = document.toJS()
    if (value === null) return []
    if (!isKubernetesObject(value)) throw new Error(`${source}, document ${index}: not a Kubernetes object`)
    return [value]
  })
}

function isKubernetesObject(value: unknown): value is KubernetesObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { apiVersion, kind } = value as Record<string, unknown>
  return typeof apiVersion === 'string' && typeof kind === 'string'
}

/** `Kind/name` for messages. */
export function describeObject(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`
}
