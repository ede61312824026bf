/** Reads the variables a peer server needs from its environment; stops the process naming any that is missing. */
export function readEnv<Name extends string>(...names: Name[]): Record<Name, string> {
  const values = {} as Record<Name, string>
  const missing: string[] = []
  for (const name of names) {
    const value = process.env[name]
    if (value === undefined || value === '') missing.push(name)
    else values[name] = value
  }
  if (missing.length > 0) {
    console.error(`missing environment variables: ${missing.join(', ')}`)
    process.exit(1)
  }
  return values
}
