export type { AuthOption, AuthPluginOptions } from './auth-plugin.ts'
export { authErrorResponse, createAuthPlugin } from './auth-plugin.ts'
