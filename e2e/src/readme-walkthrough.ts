import { join } from 'node:path'
import { repoRoot } from './repo.ts'

/** One command of the README's walk-through and the output the README shows under it (`# ` lines). */
export interface WalkthroughStep {
  readonly command: string
  readonly expected: readonly string[]
}

const MARKER = '<!-- walk-through:'

/** The shell block that follows the walk-through marker in README.md, as steps. */
export async function readWalkthrough(): Promise<WalkthroughStep[]> {
  const readme = await Bun.file(join(repoRoot, 'README.md')).text()
  const start = readme.indexOf(MARKER)
  if (start === -1) throw new Error('README.md has no walk-through marker')
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1]
  if (block === undefined) throw new Error('no ```sh block after the walk-through marker')
  const steps: { command: string; expected: string[] }[] = []
  for (const line of block.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('# ')) {
      const step = steps.at(-1)
      if (step === undefined) throw new Error(`expected output before any command: ${line}`)
      step.expected.push(line.slice(2))
    } else {
      steps.push({ command: line, expected: [] })
    }
  }
  return steps
}

/** `...` in the README stands for any text; the rest must match exactly. */
export function matchesShown(actual: string, shown: string): boolean {
  const pattern = shown
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${pattern}$`).test(actual)
}

/**
 * Runs the steps in one shell, in order (so `eval "$(bun run token)"` sets TOKEN for the next ones), with
 * `localhost:8000` and `localhost:9000` pointing at the stack under test; resolves with each step's output lines.
 */
export async function runWalkthrough(
  steps: readonly WalkthroughStep[],
  stack: { readonly apiUrl: string; readonly issuerUrl: string },
): Promise<string[][]> {
  const api = new URL(stack.apiUrl).host
  const issuer = new URL(stack.issuerUrl).host
  const separator = '@@walk-through-step@@'
  const script = steps
    .map(
      (step) =>
        `echo '${separator}'\n${step.command.replaceAll('localhost:8000', api).replaceAll('localhost:9000', issuer)}`,
    )
    .join('\n')
  const shell = Bun.spawn(['bash', '-c', script], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      // What `bun run token` reads: the local issuer as published here, and nothing from a developer's .env.
      AUTH0_DOMAIN: '',
      AUTH0_ISSUER_BASE_URL: stack.issuerUrl,
      AUTH0_API_AUDIENCE: 'https://api.local.test',
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(shell.stdout).text(),
    new Response(shell.stderr).text(),
    shell.exited,
  ])
  if (code !== 0) throw new Error(`the walk-through exited ${code}: ${stderr}`)
  return stdout
    .split(`${separator}\n`)
    .slice(1)
    .map((output) =>
      output
        .split('\n')
        .map((line) => line.replace(/\r$/, '').replaceAll(stack.apiUrl, 'http://localhost:8000'))
        .filter((line) => line !== ''),
    )
}
