import { treaty } from '@elysiajs/eden'
import type { App } from 'api/src/app.ts'

/**
 * A client whose routes, bodies and answers are typed from the API's own source (`App`): a misspelt route or a
 * wrong body fails `bun run typecheck`. `target` is the API's URL, or the app itself (in-process, for tests).
 */
export function createApiClient(target: string | App, accessToken?: string) {
  return treaty<App>(target, accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } })
}

export type ApiClient = ReturnType<typeof createApiClient>
