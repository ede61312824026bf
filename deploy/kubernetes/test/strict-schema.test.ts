import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import {
  type IServiceMonitor,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import { parseManifests } from '../src/render.ts'
import { findSchemaProblems } from '../src/strict-schema.ts'

/** One object of a source file (not a render: this test needs no kubectl), checked to be of the model's kind. */
async function read<T>(path: string, guard: (value: unknown) => value is T): Promise<T> {
  const [object] = parseManifests(await Bun.file(join(import.meta.dir, '..', path)).text(), path)
  if (!guard(object)) throw new Error(`${path}: not the expected kind`)
  return structuredClone(object)
}
const apiContainer = (deployment: IDeployment) => {
  const container = deployment.spec?.template.spec?.containers[0]
  if (container === undefined) throw new Error('no container')
  return container
}

describe('findSchemaProblems', () => {
  test('accepts the Deployment as written', async () => {
    expect(findSchemaProblems(await read('base/deployment.yaml', Deployment.is))).toEqual([])
  })

  test("rejects a misspelt field, which the package's validate() alone accepts", async () => {
    const deployment = await read('base/deployment.yaml', Deployment.is)
    Object.assign(apiContainer(deployment), { readinessProbes: apiContainer(deployment).readinessProbe })
    expect(() => new Deployment(deployment).validate()).not.toThrow()
    expect(findSchemaProblems(deployment)).toEqual([
      'Deployment/api: unknown field spec.template.spec.containers[0].readinessProbes',
    ])
  })

  test('rejects a misspelt field deep inside a known one', async () => {
    const deployment = await read('base/deployment.yaml', Deployment.is)
    Object.assign(apiContainer(deployment).securityContext ?? {}, { runAsNonRot: true })
    expect(findSchemaProblems(deployment)).toEqual([
      'Deployment/api: unknown field spec.template.spec.containers[0].securityContext.runAsNonRot',
    ])
  })

  test('still reports what the schema itself forbids: a wrong type', async () => {
    const deployment = await read('base/deployment.yaml', Deployment.is)
    Object.assign(apiContainer(deployment), { ports: [{ name: 'http', containerPort: '8000' }] })
    const [problem] = findSchemaProblems(deployment)
    expect(problem).toContain('/spec/template/spec/containers/0/ports/0/containerPort must be integer')
  })

  test('checks the ServiceMonitor (a CRD) against the Prometheus Operator schema, strictly too', async () => {
    const monitor: IServiceMonitor = await read('components/service-monitor/service-monitor.yaml', ServiceMonitor.is)
    expect(findSchemaProblems(monitor)).toEqual([])
    Object.assign(monitor.spec.endpoints?.[0] ?? {}, { intervall: '30s' })
    expect(findSchemaProblems(monitor)).toEqual(['ServiceMonitor/api: unknown field spec.endpoints[0].intervall'])
  })

  test('refuses a kind it has no schema for', () => {
    expect(findSchemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget/w: no schema for example.com/v1 Widget',
    ])
  })

  test('takes any key in maps such as labels and annotations', async () => {
    const deployment = await read('base/deployment.yaml', Deployment.is)
    deployment.metadata = { ...deployment.metadata, labels: { 'example.com/any': 'x' }, annotations: { note: 'y' } }
    expect(findSchemaProblems(deployment)).toEqual([])
  })
})
