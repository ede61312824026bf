import { join } from 'node:path'
import { repoRoot } from './repo.ts'

export interface ComposeProjectOptions {
  /** A project name of its own, so that a developer's `docker compose up` (`bun-auth0-api`) is left alone. */
  readonly name: string
  /** Values for docker-compose.yml's `${…}` variables; nothing else from the developer's shell or `.env`. */
  readonly env: Readonly<Record<string, string>>
}

export interface ComposeProject {
  readonly name: string
  /** `docker compose -p NAME ARGS` on the repository's docker-compose.yml; resolves with stdout. */
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<string>
  /** `http://ADDRESS:PORT` where `docker compose port` says a service's container port is published. */
  url(service: string, containerPort: number): Promise<string>
  /** The id of a service's (single) container. */
  containerId(service: string): Promise<string>
  /** Resolves once a service's container has printed `text` (followed as it is written, not polled). */
  waitForLog(service: string, text: string, timeoutMs?: number): Promise<void>
  /** Every container's logs, for a failure report. */
  logs(): Promise<string>
  /** `down -v --remove-orphans`: containers, network and volumes; never throws. */
  down(): Promise<void>
}

/** An env file with no settings, read instead of the repository's `.env`. */
const EMPTY_ENV_FILE = join(repoRoot, 'e2e', 'compose.env')

/** Settings the compose file reads that a developer may have exported; they must not leak into the test. */
const COMPOSE_VARIABLE = /^(AUTH0_|ISSUER_|DOCS_|CORS_ORIGINS$|API_HOST_PORT$)/

export class ComposeCommandError extends Error {
  override name = 'ComposeCommandError'
}

/** A docker compose project over the repository's docker-compose.yml, as `docker compose up` users run it. */
export function createComposeProject(options: ComposeProjectOptions): ComposeProject {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !COMPOSE_VARIABLE.test(entry[0]),
    ),
  )

  async function run(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
    const cmd = ['docker', 'compose', '--env-file', EMPTY_ENV_FILE, '-p', options.name, ...args]
    const child = Bun.spawn(cmd, {
      cwd: repoRoot,
      env: { ...inherited, ...options.env, ...env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ])
    if (code !== 0) throw new ComposeCommandError(`${cmd.join(' ')} exited ${code}:\n${stdout}${stderr}`)
    return stdout
  }

  return {
    name: options.name,
    run,
    async url(service, containerPort) {
      // e.g. `127.0.0.1:32768`; the last colon separates the port (an IPv6 address has colons too).
      const published = (await run(['port', service, String(containerPort)])).trim()
      const at = published.lastIndexOf(':')
      const port = Number(published.slice(at + 1))
      if (at === -1 || !Number.isInteger(port) || port <= 0) {
        throw new ComposeCommandError(`${service}:${containerPort} is not published: "${published}"`)
      }
      return `http://127.0.0.1:${port}`
    },
    async containerId(service) {
      return (await run(['ps', '-q', service])).trim()
    },
    async waitForLog(service, text, timeoutMs = 60_000) {
      const id = (await run(['ps', '-q', service])).trim()
      const follower = Bun.spawn(['docker', 'logs', '--follow', id], {
        stdout: 'pipe',
        stderr: 'pipe',
        stdin: 'ignore',
      })
      // A deadline, not a sleep: the line normally ends the wait long before it.
      const deadline = setTimeout(() => follower.kill(), timeoutMs)
      try {
        let seen = ''
        const decoder = new TextDecoder()
        for await (const chunk of follower.stdout) {
          seen += decoder.decode(chunk, { stream: true })
          if (seen.includes(text)) return
        }
        throw new ComposeCommandError(`${service} did not print ${text} within ${timeoutMs} ms:\n${seen}`)
      } finally {
        clearTimeout(deadline)
        follower.kill()
      }
    },
    logs: () => run(['logs', '--no-color']).catch((error: unknown) => String(error)),
    async down() {
      await run(['down', '-v', '--remove-orphans']).catch((error: unknown) => {
        console.error(`e2e: compose down failed: ${String(error)}`)
      })
    },
  }
}
