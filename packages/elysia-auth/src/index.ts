export type { AuthOption, AuthPluginOptions } from './auth-plugin.ts'
export { authErrorResponse, createAuthPlugin, declaredScopes } from './auth-plugin.ts'
export { JSON_CONTENT_TYPE, jsonTextOf } from './json-text.ts'
