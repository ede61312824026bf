import { join } from 'node:path'
import { $ } from 'bun'

/** The repository root, where docker-compose.yml is. */
export const ROOT = join(import.meta.dir, '..', '..', '..')

/** Whether a Docker engine answers; without one the e2e tests skip, unless E2E_REQUIRE_DOCKER=1. */
export async function dockerAvailable(testName: string): Promise<boolean> {
  const ok = (await $`docker info`.quiet().nothrow()).exitCode === 0
  if (!ok) {
    if (process.env.E2E_REQUIRE_DOCKER === '1')
      throw new Error(`E2E_REQUIRE_DOCKER=1 but docker info fails (${testName})`)
    console.log(`docker info fails: ${testName} is skipped (E2E_REQUIRE_DOCKER=1 makes this a failure)`)
  }
  return ok
}

/** `docker compose` for one project of docker-compose.yml, with the given profiles and variables. */
export function createCompose(options: {
  project: string
  profiles?: readonly string[]
  env?: Record<string, string>
}) {
  const profiles = (options.profiles ?? []).flatMap((profile) => ['--profile', profile])
  const env = { ...process.env, ...options.env }
  const run = (args: string[]) => $`docker compose -p ${options.project} ${profiles} ${args}`.cwd(ROOT).env(env)
  return {
    run,
    /** `host:port` that the service's container port is published on (ephemeral ports, read back). */
    async port(service: string, containerPort: number): Promise<string> {
      const out = (
        await run(['port', service, String(containerPort)])
          .quiet()
          .text()
      ).trim()
      const [, port] = /:(\d+)$/.exec(out) ?? []
      if (port === undefined) throw new Error(`no published port for ${service}:${containerPort}: ${out}`)
      return `127.0.0.1:${port}`
    },
    async logs(): Promise<string> {
      return (await run(['logs', '--no-color']).quiet().nothrow()).text()
    },
    down: () => run(['down', '-v', '--remove-orphans']).quiet().nothrow(),
  }
}
