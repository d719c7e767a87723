/** @module block-storage/driver/file/nbd-server: one qemu-nbd process serving a volume file over TCP */
import { exec, ExecError } from '../../../core/sys/exec.js'
import {
  processesMatching,
  processRuns,
  signalProcess,
  waitForExit,
} from '../../../core/sys/process-table.js'
import type { VolumeFormat } from '../volume-driver.js'

const QEMU_NBD = 'qemu-nbd'
/** qemu-nbd forks once it listens; opening the image and binding take milliseconds. */
const START_MS = 30_000
const STOP_MS = 5_000

/** What one qemu-nbd serves and where. */
export interface NbdServerSpec {
  /** The volume file. */
  path: string
  format: VolumeFormat
  address: string
  port: number
  exportName: string
  readOnly: boolean
  /** Clients served at once: a guest, a move's destination, the other guests of a multiattach. */
  maxClients: number
  pidFile: string
}

/**
 * The qemu-nbd arguments of an export: it forks once it listens (so a failure to open the image
 * or bind the port is the command's own error), keeps serving after a client leaves, and
 * interprets the file's format itself, so clients see a raw disk.
 */
export function nbdServerArgs(spec: NbdServerSpec): string[] {
  const args = ['--fork', '--pid-file', spec.pidFile, '--persistent']
  args.push(`--shared=${spec.maxClients}`, `--format=${spec.format}`)
  args.push('--bind', spec.address, '--port', String(spec.port))
  args.push('--export-name', spec.exportName)
  args.push(spec.readOnly ? '--read-only' : '--discard=unmap')
  args.push(spec.path)
  return args
}

/** Whether a qemu-nbd failure was its port being taken (the caller tries another). */
export function portTaken(error: unknown): boolean {
  return error instanceof ExecError && /Address already in use/i.test(error.stderr)
}

/** Starts qemu-nbd for `spec`; resolves once it listens. */
export async function startNbdServer(spec: NbdServerSpec): Promise<void> {
  await exec(QEMU_NBD, nbdServerArgs(spec), { timeoutMs: START_MS })
}

/** Whether `pid` is still the qemu-nbd serving `path`. */
export function nbdServerRuns(pid: number, path: string): Promise<boolean> {
  return processRuns(pid, path)
}

/** Stops a qemu-nbd (SIGTERM, then SIGKILL when it lingers); resolves once it is gone. */
export async function stopNbdServer(pid: number, path: string): Promise<void> {
  if (!(await nbdServerRuns(pid, path))) return
  signalProcess(pid, 'SIGTERM')
  if (await waitForExit(pid, path, STOP_MS)) return
  signalProcess(pid, 'SIGKILL')
  if (!(await waitForExit(pid, path, STOP_MS)))
    throw new Error(`qemu-nbd ${pid} serving ${path} does not exit`)
}

/** The qemu-nbd processes serving a file in `root`, with the file each serves. */
export async function nbdServersUnder(root: string): Promise<{ pid: number; path: string }[]> {
  const prefix = root.endsWith('/') ? root : `${root}/`
  const found = await processesMatching(
    (argv) =>
      (argv[0] ?? '').split('/').pop() === QEMU_NBD && (argv.at(-1) ?? '').startsWith(prefix),
  )
  return found.map((p) => ({ pid: p.pid, path: p.argv.at(-1) ?? '' }))
}
