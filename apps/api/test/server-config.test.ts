import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@repo/auth-config'
import { loadServerConfig } from '../src/server-config.ts'

const problemOf = (env: Record<string, string>) => {
  try {
    loadServerConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadServerConfig', () => {
  test('defaults: port 8000 on every interface, CORS off', () => {
    expect(loadServerConfig({})).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      cors: undefined,
      docsIssuerAlias: undefined,
    })
    expect(loadServerConfig({ CORS_ORIGINS: '  ' }).cors).toBeUndefined()
  })

  test('CORS_ORIGINS: comma-separated origins, trimmed, duplicates dropped, frozen', () => {
    const { cors } = loadServerConfig({
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com,http://[::1]:3000',
    })
    expect(cors).toEqual({ origins: ['https://app.example.com', 'http://localhost:5173', 'http://[::1]:3000'] })
    expect(Object.isFrozen(cors?.origins)).toBe(true)
  })

  test('CORS_ORIGINS entries that no browser would send as Origin are refused in one line', () => {
    for (const bad of [
      '*',
      'null',
      'app.example.com',
      'https://app.example.com/',
      'https://app.example.com/path',
      'https://App.example.com',
      'https://app.example.com:443',
      'ftp://app.example.com',
      'https://user@app.example.com',
      'https://app.example.com,',
    ]) {
      const message = problemOf({ CORS_ORIGINS: bad })
      expect(message).toStartWith('Invalid configuration: CORS_ORIGINS must be comma-separated origins')
      expect(message).toContain('(e.g. CORS_ORIGINS=https://app.example.com,http://localhost:5173)')
      expect(message).not.toContain('\n')
    }
    expect(problemOf({ CORS_ORIGINS: 'https://a.example/x' })).toContain('(got "https://a.example/x")')
  })

  test('DOCS_ISSUER_ALIAS: two origins, FROM=TO', () => {
    expect(loadServerConfig({ DOCS_ISSUER_ALIAS: 'http://issuer:9000=http://localhost:9000' }).docsIssuerAlias).toEqual(
      {
        from: 'http://issuer:9000',
        to: 'http://localhost:9000',
      },
    )
    for (const bad of [
      'http://issuer:9000',
      'http://issuer:9000=',
      'http://issuer:9000/=http://localhost:9000',
      'a=b=c',
    ]) {
      expect(problemOf({ DOCS_ISSUER_ALIAS: bad })).toContain('DOCS_ISSUER_ALIAS must be two origins joined by "="')
    }
  })

  test('every problem is reported together', () => {
    const message = problemOf({ PORT: 'eighty', CORS_ORIGINS: '*', DOCS_ISSUER_ALIAS: 'x' })
    expect(message).toContain('PORT must be a port number')
    expect(message).toContain('CORS_ORIGINS must be')
    expect(message).toContain('DOCS_ISSUER_ALIAS must be')
  })
})
