/** @module test/e2e/guest-tests: what the end-to-end tests of real qemu guests share */
import { exec } from '../../src/core/sys/exec.js'

/** Why real qemu guests cannot run here (taps, bridges and namespaces need root), if they cannot. */
export async function qemuUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'taps, bridges and namespaces need root'
  try {
    await exec('qemu-system-x86_64', ['--version'], { timeoutMs: 10_000 })
  } catch {
    return 'qemu-system-x86_64 is not installed'
  }
  return undefined
}

/** Asks `probe` every `everyMs` until it gives a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
