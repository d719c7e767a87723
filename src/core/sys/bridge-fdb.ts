/** @module core/sys/bridge-fdb: static forwarding entries of VXLAN devices (`bridge fdb`) */
import { exec } from './exec.js'
import { checkIfname, type Where } from './ip-link.js'

const TIMEOUT = { timeoutMs: 10_000 }

/** A static entry: frames for `mac` (all-zero: flooded traffic) go to VTEP `dst`. */
export interface FdbEntry {
  mac: string
  dst: string
}

function bridge(where: Where, args: readonly string[]) {
  return exec('bridge', [...(where.netns ? ['-n', where.netns] : []), ...args], TIMEOUT)
}

/** The entries of `device` that point at a remote VTEP. */
export async function listFdb(device: string, where: Where = {}): Promise<FdbEntry[]> {
  checkIfname(device)
  const { stdout } = await bridge(where, ['-j', 'fdb', 'show', 'dev', device])
  const rows = JSON.parse(stdout || '[]') as { mac: string; dst?: string }[]
  return rows.filter((r) => r.dst !== undefined).map((r) => ({ mac: r.mac, dst: r.dst as string }))
}

/** Makes the remote entries of `device` exactly `entries`. */
export async function syncFdb(
  device: string,
  entries: readonly FdbEntry[],
  where: Where = {},
): Promise<void> {
  const present = await listFdb(device, where)
  const same = (a: FdbEntry, b: FdbEntry) => a.mac === b.mac && a.dst === b.dst
  for (const e of present) {
    if (!entries.some((w) => same(w, e))) {
      await bridge(where, ['fdb', 'del', e.mac, 'dev', device, 'dst', e.dst])
    }
  }
  for (const e of entries) {
    if (!present.some((p) => same(p, e))) {
      await bridge(where, ['fdb', 'append', e.mac, 'dev', device, 'dst', e.dst])
    }
  }
}
