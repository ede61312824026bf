import { ConfigError, type ConfigProblem, type Environment } from '@repo/auth-config'

export interface ServerConfig {
  readonly port: number
  readonly host: string
}

/** PORT (default 8000, as in the tutorial; 0 picks a free port) and HOST (default 0.0.0.0). */
export function loadServerConfig(env: Environment): ServerConfig {
  const problems: ConfigProblem[] = []
  const rawPort = env.PORT?.trim() || undefined
  const port = rawPort === undefined ? 8000 : Number(rawPort)
  if (rawPort !== undefined && (!/^\d+$/.test(rawPort) || port > 65_535)) {
    problems.push({
      variable: 'PORT',
      problem: 'must be a port number from 0 (any free port) to 65535',
      example: '8000',
    })
  }
  const host = env.HOST?.trim() || '0.0.0.0'
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    problems.push({ variable: 'HOST', problem: 'must be a host name or an IP address', example: '0.0.0.0' })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({ port, host })
}
