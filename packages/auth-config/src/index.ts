export type {
  Algorithm,
  AuthConfig,
  ConfigProblem,
  Environment,
  IssuerSource,
  LoadedAuthConfig,
} from './auth-config.ts'
export { ALGORITHMS, ConfigError, loadAuthConfig } from './auth-config.ts'
export { findWorkspaceRoot, mergeEnvFile, parseEnvFile } from './env-file.ts'
