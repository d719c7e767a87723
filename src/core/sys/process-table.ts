/** @module core/sys/process-table: processes found by pid file, checked and signalled */
import { readdir, readFile } from 'node:fs/promises'

/** The pid written in `path`, or undefined when there is no readable pid. */
export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isInteger(pid) && pid > 1 ? pid : undefined
}

/**
 * Whether `pid` runs and its command line contains `marker` (a pid may have been reused by an
 * unrelated program since the file was written). Zombies count as gone.
 */
export async function processRuns(pid: number, marker: string): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (status === undefined || /\) Z /.test(status)) return false
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  return cmdline.split('\0').some((word) => word.includes(marker))
}

/** Sends `signal` to `pid`; false when the process is gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** Resolves true once `pid` (checked with `marker`) is gone, false after `timeoutMs`. */
export async function waitForExit(
  pid: number,
  marker: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!(await processRuns(pid, marker))) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The pids of running processes one of whose arguments is exactly `argument` (zombies left out). */
export async function pidsWithArgument(argument: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[])
  const found: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (!cmdline.split('\0').includes(argument)) continue
    const status = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    if (status !== '' && !/\) Z /.test(status)) found.push(Number(entry))
  }
  return found
}

/** Running processes whose argument list `test` accepts (zombies left out), with their arguments. */
export async function processesMatching(
  test: (argv: string[]) => boolean,
): Promise<{ pid: number; argv: string[] }[]> {
  const entries = await readdir('/proc').catch(() => [] as string[])
  const found: { pid: number; argv: string[] }[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline === '') continue
    const argv = cmdline.replace(/\0$/, '').split('\0')
    if (!test(argv)) continue
    const status = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    if (status !== '' && !/\) Z /.test(status)) found.push({ pid: Number(entry), argv })
  }
  return found
}
