/** @module core/sys/netns: network namespaces (`ip netns`): list, create, delete, run a program inside */
import { exec, type ExecOptions, type ExecResult } from './exec.js'
import { checkIfname } from './ip-link.js'

const IP = 'ip'
const NAME = /^[A-Za-z0-9_.-]{1,64}$/

function checkName(name: string): void {
  if (!NAME.test(name)) throw new TypeError(`'${name}' is not a valid namespace name`)
}

/** The names of the named network namespaces (`/run/netns`). */
export async function listNetns(options: ExecOptions = {}): Promise<string[]> {
  const { stdout } = await exec(IP, ['-j', 'netns', 'list'], { timeoutMs: 10_000, ...options })
  if (stdout.trim() === '') return []
  const rows = JSON.parse(stdout) as { name: string }[]
  return rows.map((r) => r.name).sort()
}

/** Creates a namespace with its loopback up; does nothing when it exists. */
export async function ensureNetns(name: string, options: ExecOptions = {}): Promise<void> {
  checkName(name)
  if (!(await listNetns(options)).includes(name)) {
    await exec(IP, ['netns', 'add', name], { timeoutMs: 10_000, ...options })
  }
  await exec(IP, ['-n', name, 'link', 'set', 'lo', 'up'], { timeoutMs: 10_000, ...options })
}

/** One veth pair of {@link createNetnsWithVeths}. */
export interface NetnsVeth {
  /** The end left in the host's namespace, up (and enslaved to `master` when given). */
  host: string
  /** The end inside the namespace, with `mac`. */
  peer: string
  mac: string
  mtu: number
  master?: string
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i

/**
 * Creates namespace `name` holding one end of each veth pair in one `ip` batch (making each
 * step idempotent, as {@link ensureNetns} and the `ip-link` helpers do, takes a process per
 * step). The host ends are up; the namespace's ends are made in it (moving a device between
 * namespaces waits for an RCU grace period, 15-25 ms here) and, with its loopback, left down:
 * bring them up with `setLinksUp`. Fails, leaving what it made, when the namespace or a host end
 * exists already.
 */
export async function createNetnsWithVeths(
  name: string,
  veths: readonly NetnsVeth[],
  options: ExecOptions = {},
): Promise<void> {
  checkName(name)
  const batch = [`netns add ${name}`]
  for (const veth of veths) {
    checkIfname(veth.host)
    checkIfname(veth.peer)
    if (veth.master !== undefined) checkIfname(veth.master)
    if (!MAC.test(veth.mac)) throw new TypeError(`'${veth.mac}' is not a MAC address`)
    if (!Number.isInteger(veth.mtu) || veth.mtu < 68) throw new TypeError(`MTU ${veth.mtu}`)
    const master = veth.master === undefined ? '' : ` master ${veth.master}`
    batch.push(
      `link add ${veth.host} mtu ${veth.mtu}${master} up type veth ` +
        `peer name ${veth.peer} netns ${name} address ${veth.mac} mtu ${veth.mtu}`,
    )
  }
  await exec(IP, ['-batch', '-'], { timeoutMs: 10_000, ...options, input: batch.join('\n') })
}

/** Deletes a namespace (its interfaces go with it); does nothing when it is gone. */
export async function deleteNetns(name: string, options: ExecOptions = {}): Promise<void> {
  checkName(name)
  if (!(await listNetns(options)).includes(name)) return
  await exec(IP, ['netns', 'delete', name], { timeoutMs: 10_000, ...options })
}

/** Runs `program` inside namespace `name` (`ip netns exec`), as {@link exec} does. */
export async function execInNetns(
  name: string,
  program: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  checkName(name)
  return exec(IP, ['netns', 'exec', name, program, ...args], options)
}

/** Whether this process may manage namespaces (root with a working `ip netns`); the reason if not. */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root'
  try {
    await listNetns()
    return undefined
  } catch (error) {
    return `ip netns does not work here: ${(error as Error).message}`
  }
}
