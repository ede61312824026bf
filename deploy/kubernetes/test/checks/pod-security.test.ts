import { expect, test } from 'bun:test'
import { findPodSecurityProblems } from '../../src/checks/pod-security.ts'
import { container, editDeployment, type Mutation, podSpec } from '../support/mutations.ts'
import { describeRendered, type Target, useRenders } from '../support/targets.ts'

const cases: [string, Target, Mutation, string][] = [
  [
    'a writable root filesystem (Redis)',
    'redis',
    editDeployment('redis', (redis) => {
      container(redis, 'redis').securityContext = {
        ...container(redis, 'redis').securityContext,
        readOnlyRootFilesystem: false,
      }
    }),
    'redis/redis: readOnlyRootFilesystem must be true',
  ],
  [
    'privilege escalation allowed',
    'base',
    editDeployment('api', (api) => {
      delete container(api, 'api').securityContext?.allowPrivilegeEscalation
    }),
    'api/api: allowPrivilegeEscalation must be false',
  ],
  [
    'capabilities kept',
    'base',
    editDeployment('api', (api) => {
      container(api, 'api').securityContext = { ...container(api, 'api').securityContext, capabilities: { drop: [] } }
    }),
    'api/api: capabilities must drop ALL',
  ],
  [
    'root allowed (Redis)',
    'redis',
    editDeployment('redis', (redis) => {
      podSpec(redis).securityContext = {}
      delete container(redis, 'redis').securityContext?.runAsNonRoot
    }),
    'redis/redis: runAsNonRoot must be true',
  ],
  [
    'uid 0 in the container, overriding the pod',
    'base',
    editDeployment('api', (api) => {
      container(api, 'api').securityContext = { ...container(api, 'api').securityContext, runAsUser: 0 }
    }),
    'api/api: runAsUser must be a non-zero uid',
  ],
  [
    'no seccomp profile',
    'base',
    editDeployment('api', (api) => {
      delete podSpec(api).securityContext?.seccompProfile
      delete container(api, 'api').securityContext?.seccompProfile
    }),
    'api/api: seccompProfile must be RuntimeDefault',
  ],
  [
    'a mounted service-account token',
    'base',
    editDeployment('api', (api) => {
      podSpec(api).automountServiceAccountToken = true
    }),
    'api: automountServiceAccountToken must be false',
  ],
  [
    'no memory limit (Redis)',
    'redis',
    editDeployment('redis', (redis) => {
      container(redis, 'redis').resources = { requests: { cpu: '1', memory: '1Gi' } }
    }),
    'redis/redis: resources.limits needs memory',
  ],
  [
    'no requests',
    'base',
    editDeployment('api', (api) => {
      container(api, 'api').resources = { limits: { memory: '1Gi' } }
    }),
    'api/api: resources.requests needs cpu and memory',
  ],
]

describeRendered('findPodSecurityProblems', () => {
  const rendered = useRenders(['base', 'redis'])

  test.each(cases)('catches %s', (_, target, mutate, expected) => {
    expect(findPodSecurityProblems(rendered(target))).toEqual([])
    expect(findPodSecurityProblems(mutate(rendered(target)))).toContainEqual(expect.stringContaining(expected))
  })
})
