/** The `oidc-provider` module, loaded by {@link loadOidcProvider}. */
export type OidcProviderModule = typeof import('oidc-provider')

/**
 * What oidc-provider prints on import on any runtime but Node.js LTS: it tests `typeof Bun`, and no option turns
 * the check off. This issuer runs on Bun on purpose (one toolchain, one compiled binary) and its tests pass there,
 * so the line is noise that reads like the cause of any later failure. Exactly this line is dropped, plain or in
 * the colours oidc-provider adds when stderr is a terminal; every other warning goes through.
 */
export const UNSUPPORTED_RUNTIME_WARNING =
  'oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.'
const ON_TERMINAL = `\u001b[31;1m${UNSUPPORTED_RUNTIME_WARNING}\u001b[0m`

let loading: Promise<OidcProviderModule> | undefined

async function importQuietly(): Promise<OidcProviderModule> {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (args.length === 1 && (args[0] === UNSUPPORTED_RUNTIME_WARNING || args[0] === ON_TERMINAL)) return
    warn.apply(console, args)
  }
  try {
    return await import('oidc-provider')
  } finally {
    console.warn = warn
  }
}

/**
 * Imports oidc-provider once, without its runtime warning. Loaded on demand (not a static import) so that the
 * filter is in place while the module runs, and so that a configuration error is reported before it loads.
 */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= importQuietly()
  return loading
}
