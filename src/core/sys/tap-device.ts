/** @module core/sys/tap-device: persistent tap devices a QEMU process opens by name */
import { exec } from './exec.js'
import { checkIfname, getLink } from './ip-link.js'

/** Creates tap `name` (owned by root, not multi-queue) unless it exists; leaves it down. */
export async function ensureTap(name: string): Promise<void> {
  checkIfname(name)
  if (await getLink(name)) return
  await exec('ip', ['tuntap', 'add', 'dev', name, 'mode', 'tap'], { timeoutMs: 10_000 })
}
