/** @module core/sys/netns: network namespaces (`ip netns`): list, create, delete, run a program inside */
import { exec, type ExecOptions, type ExecResult } from './exec.js'

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
