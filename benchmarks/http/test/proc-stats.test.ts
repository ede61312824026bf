import { expect, test } from 'bun:test'
import { processTree, readCpuMicros, readPeakRssMb, readRssMb } from '../src/proc-stats.ts'

test('CPU time and memory of this process', () => {
  // The kernel counts CPU time in clock ticks (10 ms): a test file run alone may start in less than one.
  const { user, system } = process.cpuUsage()
  let spent = 0
  while (spent < 30_000) {
    const now = process.cpuUsage()
    spent = now.user - user + now.system - system
  }
  expect(readCpuMicros(process.pid)).toBeGreaterThan(0)
  const rss = readRssMb(process.pid)
  expect(rss).toBeGreaterThan(1)
  expect(readPeakRssMb(process.pid)).toBeGreaterThanOrEqual(rss)
})

test('the process tree includes a child, and a gone process counts as nothing', async () => {
  const child = Bun.spawn(['sleep', '30'], { stdout: 'ignore' })
  try {
    expect(processTree(process.pid)).toContain(child.pid)
  } finally {
    child.kill()
    await child.exited
  }
  expect(readCpuMicros(child.pid)).toBe(0)
  expect(readRssMb(child.pid)).toBe(0)
})
