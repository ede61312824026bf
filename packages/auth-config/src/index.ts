export type {
  Algorithm,
  AuthConfig,
  ConfigProblem,
  Environment,
  LoadedAuthConfig,
} from './auth-config.ts'
export { ALGORITHMS, ConfigError, describeIssuer, loadAuthConfig } from './auth-config.ts'
export { findWorkspaceRoot, mergeEnvFile, parseEnvFile } from './env-file.ts'
