import { discoveryUrl } from '@repo/access-token'
import { mergeEnvFile } from '@repo/auth-config'
import { main } from './main.ts'

// `bun run dev`: when no issuer is configured, trust the development issuer that `apps/issuer` starts on
// localhost:9000, so that the whole flow works on a fresh clone. Production starts index.ts.
const DEV_DEFAULTS = {
  AUTH0_ISSUER_BASE_URL: 'http://localhost:9000',
  AUTH0_API_AUDIENCE: 'https://api.local.test',
  // A developer watches the requests go by; production leaves the access log off unless asked (docs/operations.md).
  ACCESS_LOG: 'true',
}
const env = mergeEnvFile(process.env, process.cwd())
const usesLocalIssuer = !env.AUTH0_DOMAIN?.trim() && !env.AUTH0_ISSUER_BASE_URL?.trim()

// turbo starts the issuer and the API together: wait for the issuer's discovery document rather than start with a
// key-set failure in the log (the key set would recover on its own; this only keeps the first minute quiet).
if (usesLocalIssuer) {
  const url = discoveryUrl('http://localhost:9000')
  const ready = () =>
    fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    )
  const deadline = Date.now() + 30_000
  while (!(await ready()) && Date.now() < deadline) await Bun.sleep(200)
}

await main({ defaults: DEV_DEFAULTS })
