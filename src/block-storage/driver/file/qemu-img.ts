/** @module block-storage/driver/file/qemu-img: the qemu-img commands the file driver runs */
import { open } from 'node:fs/promises'
import { exec } from '../../../core/sys/exec.js'
import type { VolumeFormat } from '../volume-driver.js'

const QEMU_IMG = 'qemu-img'
/** Creating or resizing is quick; converting a large disk is bounded by the disk's speed. */
const SHORT_MS = 60_000
const LONG_MS = 60 * 60_000

/** What `qemu-img info` says about a file. */
export interface ImageInfo {
  format: string
  virtualSize: number
  backingFile?: string
}

export async function imgCreate(
  path: string,
  format: VolumeFormat,
  sizeBytes: number,
  backing?: string,
): Promise<void> {
  const args = ['create', '-q', '-f', format]
  if (backing) args.push('-b', backing, '-F', 'qcow2')
  args.push(path)
  if (!backing) args.push(String(sizeBytes))
  await exec(QEMU_IMG, args, { timeoutMs: SHORT_MS })
}

export async function imgInfo(path: string, format?: string): Promise<ImageInfo> {
  const args = ['info', '--output=json', '-U']
  if (format) args.push('-f', format)
  args.push(path)
  const r = await exec(QEMU_IMG, args, { timeoutMs: SHORT_MS })
  const info = JSON.parse(r.stdout) as Record<string, unknown>
  const backing = info['backing-filename']
  return {
    format: String(info['format']),
    virtualSize: Number(info['virtual-size']),
    ...(typeof backing === 'string' ? { backingFile: backing } : {}),
  }
}

export async function imgResize(path: string, format: VolumeFormat, sizeBytes: number) {
  await exec(QEMU_IMG, ['resize', '-q', '-f', format, path, String(sizeBytes)], {
    timeoutMs: SHORT_MS,
  })
}

export async function imgConvert(
  from: { path: string; format: string },
  to: { path: string; format: VolumeFormat },
  signal?: AbortSignal,
): Promise<void> {
  const args = ['convert', '-q', '-f', from.format, '-O', to.format]
  if (to.format === 'raw') args.push('-S', '4k')
  args.push(from.path, to.path)
  await exec(QEMU_IMG, args, { timeoutMs: LONG_MS, ...(signal ? { signal } : {}) })
}

/** Rewrites `path` onto another backing file (`''`: none), copying what it needs first. */
export async function imgRebase(path: string, backing: string): Promise<void> {
  const args = ['rebase', '-q', '-f', 'qcow2', '-b', backing]
  if (backing) args.push('-F', 'qcow2')
  args.push(path)
  await exec(QEMU_IMG, args, { timeoutMs: LONG_MS })
}

/** Flushes a file's data to the disk. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** The virtual size of a raw or qcow2 file without running a program (qcow2 header bytes 24-31). */
export async function virtualSizeOf(path: string, format: VolumeFormat): Promise<number> {
  const handle = await open(path, 'r')
  try {
    if (format === 'raw') return (await handle.stat()).size
    const header = Buffer.alloc(32)
    await handle.read(header, 0, 32, 0)
    return Number(header.readBigUInt64BE(24))
  } finally {
    await handle.close()
  }
}
