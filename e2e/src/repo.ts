import { join } from 'node:path'

/** The repository's root directory (this file is `e2e/src/repo.ts`). */
export const repoRoot = join(import.meta.dir, '..', '..')
