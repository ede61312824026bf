import { expect, test } from 'bun:test'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { findNetworkPolicyProblems } from '../../src/checks/network-policies.ts'
import { edit, type Mutation } from '../support/mutations.ts'
import { describeRendered, type Target, useRenders } from '../support/targets.ts'

type PolicySpec = NonNullable<NetworkPolicy['spec']>
const editPolicy = (name: string, change: (spec: PolicySpec) => void) =>
  edit(NetworkPolicy.is, name, ({ spec }) => {
    if (spec) change(spec)
  })

const cases: [string, Target, Mutation, string][] = [
  [
    'egress to port 80',
    'base',
    editPolicy('api', (spec) => spec.egress?.push({ ports: [{ port: 80, protocol: 'TCP' }] })),
    'the API may not reach TCP/80',
  ],
  [
    'egress to every port',
    'base',
    editPolicy('api', (spec) => spec.egress?.push({ to: [{ podSelector: {} }] })),
    'an API egress rule allows every port',
  ],
  [
    '6379 where no Redis is deployed',
    'base',
    editPolicy('api', (spec) =>
      spec.egress?.push({ to: [{ podSelector: {} }], ports: [{ port: 6379, protocol: 'TCP' }] }),
    ),
    'the API may not reach TCP/6379',
  ],
  [
    'DNS to any address',
    'base',
    editPolicy('api', (spec) => {
      const [dns] = spec.egress ?? []
      if (dns) delete dns.to
    }),
    'API egress to UDP/53, TCP/53 must name its destination',
  ],
  [
    'no egress policy',
    'base',
    editPolicy('api', (spec) => {
      spec.policyTypes = ['Ingress']
    }),
    'no egress policy for the API',
  ],
  [
    'metrics open to every namespace',
    'base',
    editPolicy('api', (spec) => {
      const metrics = spec.ingress?.[1]
      if (metrics) metrics.from = [{ namespaceSelector: {} }]
    }),
    'the metrics port must be admitted from a labelled namespace only',
  ],
  [
    'an extra port admitted',
    'base',
    editPolicy('api', (spec) => spec.ingress?.push({ ports: [{ port: 22 }] })),
    'the API admits 22',
  ],
  [
    'Redis open to every pod of the namespace',
    'redis',
    editPolicy('redis', (spec) => {
      const [rule] = spec.ingress ?? []
      if (rule) rule.from = [{ podSelector: {} }]
    }),
    'Redis must admit the API pods only',
  ],
  [
    'Redis reaching out',
    'redis',
    editPolicy('redis', (spec) => {
      spec.egress = [{ ports: [{ port: 443 }] }]
    }),
    'Redis must reach nothing',
  ],
  [
    'API egress to 6379 of any namespace',
    'redis',
    editPolicy('api-to-redis', (spec) => {
      const [rule] = spec.egress ?? []
      if (rule) rule.to = [{ namespaceSelector: {} }]
    }),
    'API egress to 6379 must go to the Redis pods only',
  ],
]

describeRendered('findNetworkPolicyProblems', () => {
  const rendered = useRenders(['base', 'redis'])

  test.each(cases)('catches %s', (_, target, mutate, expected) => {
    expect(findNetworkPolicyProblems(rendered(target))).toEqual([])
    expect(findNetworkPolicyProblems(mutate(rendered(target)))).toContainEqual(expect.stringContaining(expected))
  })
})
