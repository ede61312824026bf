import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findWorkspaceRoot, loadEnvironment, mergeEnvFile, parseEnvFile } from '../src/index.ts'

const root = mkdtempSync(join(tmpdir(), 'auth-config-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('parseEnvFile', () => {
  test('reads the dotenv forms people write', () => {
    expect(
      parseEnvFile(
        [
          '# comment',
          'AUTH0_DOMAIN=tenant.auth0.com',
          'export AUTH0_API_AUDIENCE = "https://api.example.com"  ',
          "SINGLE='a # not a comment'",
          'INLINE=value # comment',
          'MULTI="a\\nb"',
          'EMPTY=',
          'not a line',
        ].join('\n'),
      ),
    ).toEqual({
      AUTH0_DOMAIN: 'tenant.auth0.com',
      AUTH0_API_AUDIENCE: 'https://api.example.com',
      SINGLE: 'a # not a comment',
      INLINE: 'value',
      MULTI: 'a\nb',
      EMPTY: '',
    })
  })
})

describe('mergeEnvFile', () => {
  writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['apps/*'] }))
  writeFileSync(join(root, '.env'), 'AUTH0_DOMAIN=from-file.auth0.com\nAUTH0_API_AUDIENCE=file-audience\n')
  mkdirSync(join(root, 'apps', 'api'), { recursive: true })
  writeFileSync(join(root, 'apps', 'api', 'package.json'), JSON.stringify({ name: 'api' }))

  test('finds the workspace root from the root or from apps/api', () => {
    expect(findWorkspaceRoot(root)).toBe(root)
    expect(findWorkspaceRoot(join(root, 'apps', 'api'))).toBe(root)
  })

  test('reads the root .env from apps/api; process variables win', () => {
    const env = mergeEnvFile({ AUTH0_API_AUDIENCE: 'process-audience' }, join(root, 'apps', 'api'))
    expect(env.AUTH0_DOMAIN).toBe('from-file.auth0.com')
    expect(env.AUTH0_API_AUDIENCE).toBe('process-audience')
  })

  test('works without a .env file', () => {
    const bare = mkdtempSync(join(tmpdir(), 'auth-config-bare-'))
    try {
      expect(mergeEnvFile({ A: '1' }, bare)).toEqual({ A: '1' })
    } finally {
      rmSync(bare, { recursive: true, force: true })
    }
  })
})

describe('loadEnvironment', () => {
  test('process variables over .env over defaults, and where each came from', () => {
    const dir = mkdtempSync(join(root, 'sources-'))
    writeFileSync(join(dir, 'package.json'), '{"workspaces":[]}')
    writeFileSync(join(dir, '.env'), 'AUTH0_API_AUDIENCE=https://from-file\nAUTH0_DOMAIN=file.auth0.com\n')
    const loaded = loadEnvironment({ AUTH0_DOMAIN: 'process.auth0.com', EMPTY: '' }, dir, {
      AUTH0_ISSUER_BASE_URL: 'http://localhost:9000',
      AUTH0_API_AUDIENCE: 'https://default',
    })
    expect(loaded.env).toMatchObject({
      AUTH0_DOMAIN: 'process.auth0.com',
      AUTH0_API_AUDIENCE: 'https://from-file',
      AUTH0_ISSUER_BASE_URL: 'http://localhost:9000',
    })
    expect(loaded.source('AUTH0_DOMAIN')).toBe('environment')
    expect(loaded.source('AUTH0_API_AUDIENCE')).toBe('.env')
    expect(loaded.source('AUTH0_ISSUER_BASE_URL')).toBe('default')
    expect(loaded.source('EMPTY')).toBeUndefined()
    expect(loaded.source('NOT_SET')).toBeUndefined()
  })
})
