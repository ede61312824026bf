// What other benchmark workspaces share with this one: the wrk load generator, server child processes and CPU
// pinning, so that every table in the repository is measured the same way.

export { cleanUpOnSignals, stopAllChildren } from './children.ts'
export type { CpuLayout } from './cpu-pinning.ts'
export { createCpuLayout, pinThisProcess } from './cpu-pinning.ts'
export type { LoadOptions, LoadResult, LoadSettings } from './load.ts'
export { loadSettingsFromEnv, runLoad } from './load.ts'
export type { RunningServer, ServerSpec, StartServerOptions } from './server-process.ts'
export { startServer } from './server-process.ts'
export type { WrkOptions, WrkResult } from './wrk.ts'
export { requireWrk, runWrk, WrkMissingError, wrkVersion } from './wrk.ts'
