/** @module core/sys/overlay-mount: overlay filesystems (a read-only lower dir, a writable upper dir) */
import { mkdir, readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { exec } from './exec.js'

/** Where an overlay's parts are. */
export interface OverlayDirs {
  /** Read-only layers, top first. */
  lower: readonly string[]
  upper: string
  work: string
  target: string
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  )
}

/** Whether something is mounted at `target`. */
export async function isMounted(target: string): Promise<boolean> {
  const wanted = resolve(target)
  const table = await readFile('/proc/self/mountinfo', 'utf8')
  return table.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === wanted)
}

/** Mounts the overlay at `target` unless something is mounted there already. */
export async function mountOverlay(dirs: OverlayDirs): Promise<void> {
  for (const dir of [...dirs.lower, dirs.upper, dirs.work, dirs.target]) {
    if (/[,:\s]/.test(dir)) throw new TypeError(`overlay path ${dir} holds a comma, colon or space`)
  }
  if (await isMounted(dirs.target)) return
  await mkdir(dirs.upper, { recursive: true })
  await mkdir(dirs.work, { recursive: true })
  await mkdir(dirs.target, { recursive: true })
  const options = `lowerdir=${dirs.lower.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}`
  await exec('mount', ['-t', 'overlay', 'overlay', '-o', options, dirs.target], {
    timeoutMs: 30_000,
  })
}

/** Unmounts `target` (lazily when busy); does nothing when nothing is mounted there. */
export async function unmount(target: string): Promise<void> {
  if (!(await isMounted(target))) return
  try {
    await exec('umount', [target], { timeoutMs: 30_000 })
  } catch {
    await exec('umount', ['-l', target], { timeoutMs: 30_000 })
  }
}
