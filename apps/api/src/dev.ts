import { mergeEnvFile } from '@repo/auth-config'

// `bun run dev`: when no issuer is configured, trust the development issuer that `apps/issuer` starts
// on localhost:9000, so that the whole flow works on a fresh clone. Production starts index.ts.
const env = mergeEnvFile(process.env, process.cwd())
if (!env.AUTH0_DOMAIN && !env.AUTH0_ISSUER_BASE_URL) process.env.AUTH0_ISSUER_BASE_URL = 'http://localhost:9000'
if (!env.AUTH0_API_AUDIENCE) process.env.AUTH0_API_AUDIENCE = 'https://api.local.test'

await import('./index.ts')
