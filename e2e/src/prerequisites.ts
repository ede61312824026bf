import { describe, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { dockerEngineAnswers } from './docker.ts'

/** Something an end-to-end suite needs from the machine. */
export interface Prerequisite {
  readonly met: boolean
  /** What is missing, for the one line printed instead of the suite: "no Docker engine answers `docker info`". */
  readonly missing: string
  /** Set to `1`, this variable makes the missing prerequisite a failure rather than a skip (CI). */
  readonly requiredBy: string
}

/** Debian's chromium (`apt-get install -y chromium`), driven by playwright-core: no browser download. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

export async function dockerPrerequisite(): Promise<Prerequisite> {
  return {
    met: await dockerEngineAnswers(),
    missing: 'no Docker engine answers `docker info`',
    requiredBy: 'E2E_REQUIRE_DOCKER',
  }
}

export function chromiumPrerequisite(): Prerequisite {
  return {
    met: existsSync(CHROMIUM_PATH),
    missing: `no ${CHROMIUM_PATH} (apt-get install -y chromium)`,
    requiredBy: 'E2E_REQUIRE_BROWSER',
  }
}

/**
 * `describe(title, suite)` when every prerequisite is met. Otherwise one failing test per missing prerequisite that
 * its variable requires, else one skipped test: the single line a run without them prints about the file.
 */
export function describeWith(title: string, prerequisites: readonly Prerequisite[], suite: () => void): void {
  const unmet = prerequisites.filter((prerequisite) => !prerequisite.met)
  if (unmet.length === 0) {
    describe(title, suite)
    return
  }
  const required = unmet.filter((prerequisite) => process.env[prerequisite.requiredBy] === '1')
  for (const { missing, requiredBy } of required) {
    test(`${title}: ${requiredBy}=1 but ${missing}`, () => {
      throw new Error(`${requiredBy}=1 but ${missing}`)
    })
  }
  if (required.length > 0) return
  const reasons = unmet.map(({ missing, requiredBy }) => `${missing} (${requiredBy}=1 fails instead)`)
  test.skip(`${title}: skipped, ${reasons.join('; ')}`, () => {})
}
