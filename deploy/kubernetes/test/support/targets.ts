import { beforeAll, describe } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parse } from 'yaml'
import { findKubectl, type KubernetesObject, renderKustomization } from '../../src/render.ts'

export const KUSTOMIZE_ROOT = join(import.meta.dir, '..', '..')
export const REPOSITORY_ROOT = join(KUSTOMIZE_ROOT, '..', '..')

const kubectl = findKubectl()
if (kubectl === undefined && process.env.REQUIRE_KUBECTL === '1') {
  throw new Error('REQUIRE_KUBECTL=1, but kubectl is not on PATH: the manifests cannot be rendered')
}
if (kubectl === undefined) {
  console.warn(
    'SKIPPED: kubectl is not on PATH, so the Kubernetes manifests were not rendered or checked. ' +
      'Install kubectl (1.32), or set REQUIRE_KUBECTL=1 to make this a failure.',
  )
}

/** `describe`, or `describe.skip` (with the warning above) when kubectl is missing. */
export const describeRendered = kubectl === undefined ? describe.skip : describe

/** What a user applies: the base, each overlay, and the production overlay with every component enabled. */
export type Target = 'base' | 'production' | 'redis' | 'production+components'

export const TARGETS: readonly Target[] = ['base', 'production', 'redis', 'production+components']

export async function render(target: Target): Promise<KubernetesObject[]> {
  if (kubectl === undefined) throw new Error('kubectl is not on PATH')
  if (target === 'base') return renderKustomization(kubectl, join(KUSTOMIZE_ROOT, 'base'))
  if (target === 'production' || target === 'redis') {
    return renderKustomization(kubectl, join(KUSTOMIZE_ROOT, 'overlays', target))
  }
  return renderProductionWithComponents(kubectl)
}

/**
 * As if a user uncommented `components:` in overlays/production: the components on top of the overlay, in its
 * namespace. Built in a temporary directory, since kustomize refuses absolute paths.
 */
async function renderProductionWithComponents(kubectlPath: string): Promise<KubernetesObject[]> {
  const production = join(KUSTOMIZE_ROOT, 'overlays', 'production')
  const { namespace } = parse(await Bun.file(join(production, 'kustomization.yaml')).text()) as { namespace: string }
  const directory = await mkdtemp(join(tmpdir(), 'kustomize-'))
  try {
    const path = (to: string) => relative(directory, to)
    await Bun.write(
      join(directory, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `namespace: ${namespace}`,
        `resources: [${path(production)}]`,
        `components: [${path(join(KUSTOMIZE_ROOT, 'components', 'redis'))}, ${path(join(KUSTOMIZE_ROOT, 'components', 'service-monitor'))}]`,
        '',
      ].join('\n'),
    )
    return await renderKustomization(kubectlPath, directory)
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

/** Renders the targets once, before the tests of the enclosing `describe`; returns a getter. */
export function useRenders(targets: readonly Target[]): (target: Target) => KubernetesObject[] {
  const rendered = new Map<Target, KubernetesObject[]>()
  beforeAll(async () => {
    const results = await Promise.all(targets.map(render))
    for (const [index, target] of targets.entries()) rendered.set(target, results[index] ?? [])
  })
  return (target) => {
    const objects = rendered.get(target)
    if (objects === undefined) throw new Error(`${target} was not rendered`)
    return objects
  }
}
