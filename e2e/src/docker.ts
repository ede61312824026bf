/** Whether a Docker engine answers `docker info` (false too when there is no `docker` command at all). */
export async function dockerEngineAnswers(timeoutMs = 20_000): Promise<boolean> {
  try {
    const info = Bun.spawn(['docker', 'info'], {
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'ignore',
      timeout: timeoutMs,
    })
    return (await info.exited) === 0
  } catch {
    return false
  }
}
