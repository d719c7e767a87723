/** @module compute/virt/qemu/guest-local-disks: a guest's ephemeral and swap disks, blank files in its folder */
import { open, rename, rm } from 'node:fs/promises'
import { ExecError, exec } from '../../../core/sys/exec.js'
import type { GuestSize, GuestSpec } from '../compute-driver.js'
import type { GuestFiles, LocalDisk } from './guest-record.js'

/**
 * PCI slots of local disks: after the root disk's (the first free one, 0x02), below hot-plugged
 * NICs' (0x08-0x0f) and data volumes' (0x10-0x1f), so the guest names them right after vda.
 */
const LOCAL_SLOTS = { first: 0x03, last: 0x07 } as const

/** The filesystem an ephemeral disk gets when its mapping names none (Nova's Linux default). */
export const DEFAULT_EPHEMERAL_FORMAT = 'ext4'

/** How to make each filesystem on a file: the program and its arguments before the file. */
const MKFS: Record<string, (label: string) => [string, string[]]> = {
  ext2: (label) => ['mkfs.ext2', ['-F', '-q', '-L', label]],
  ext3: (label) => ['mkfs.ext3', ['-F', '-q', '-L', label]],
  // lazy init: the guest's kernel zeroes the inode tables, so the file stays sparse
  ext4: (label) => [
    'mkfs.ext4',
    ['-F', '-q', '-L', label, '-E', 'lazy_itable_init=1,lazy_journal_init=1'],
  ],
  vfat: (label) => ['mkfs.vfat', ['-n', label.toUpperCase()]],
  xfs: (label) => ['mkfs.xfs', ['-f', '-q', '-L', label]],
  swap: () => ['mkswap', []],
}

/** What a local disk should be, before it is made. */
interface WantedDisk {
  kind: LocalDisk['kind']
  file: string
  sizeMb: number
  format: string
  label: string
  fromFlavor?: boolean
}

/**
 * The local disks a spec asks for, in the guest's order: the mappings' ephemeral disks
 * (`disk.eph<N>`) or else the flavor's (`disk.local`), then the swap disk (`disk.swap`).
 */
function wantedDisks(spec: GuestSpec): WantedDisk[] {
  const wanted: WantedDisk[] = []
  if (spec.ephemerals && spec.ephemerals.length > 0) {
    spec.ephemerals.forEach((e, index) => {
      if (e.sizeGb <= 0)
        throw new Error(`ephemeral disk ${index} of guest ${spec.uuid} has no size`)
      wanted.push({
        kind: 'ephemeral',
        file: `disk.eph${index}`,
        sizeMb: e.sizeGb * 1024,
        format: e.guestFormat ?? DEFAULT_EPHEMERAL_FORMAT,
        label: `ephemeral${index}`,
      })
    })
  } else if ((spec.ephemeralGb ?? 0) > 0) {
    wanted.push({
      kind: 'ephemeral',
      file: 'disk.local',
      sizeMb: (spec.ephemeralGb ?? 0) * 1024,
      format: DEFAULT_EPHEMERAL_FORMAT,
      label: 'ephemeral0',
      fromFlavor: true,
    })
  }
  if ((spec.swapMb ?? 0) > 0) {
    wanted.push({
      kind: 'swap',
      file: 'disk.swap',
      sizeMb: spec.swapMb ?? 0,
      format: 'swap',
      label: 'swap',
    })
  }
  const room = LOCAL_SLOTS.last - LOCAL_SLOTS.first + 1
  if (wanted.length > room) {
    throw new Error(
      `guest ${spec.uuid} asks for ${wanted.length} local disks; it has room for ${room}`,
    )
  }
  return wanted
}

/** Whether a program is missing on this host (as opposed to failing). */
function notInstalled(error: unknown): boolean {
  const cause = error instanceof ExecError ? error.cause : undefined
  return (cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

/**
 * Makes one disk as a qcow2 file: a sparse raw file, the filesystem made on it when the host has
 * the tool, then converted (only what mkfs wrote takes room). Returns the format made, or `none`.
 */
async function makeDisk(
  files: GuestFiles,
  disk: WantedDisk,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  const target = files.localDisk(disk.file)
  const raw = `${target}.raw`
  const partial = `${target}.part`
  const timing = { timeoutMs: 300_000, ...(signal ? { signal } : {}) }
  let made = 'none'
  try {
    const mkfs = MKFS[disk.format]
    if (mkfs) {
      const handle = await open(raw, 'w')
      await handle.truncate(disk.sizeMb * 1024 * 1024).finally(() => handle.close())
      const [program, args] = mkfs(disk.label)
      try {
        await exec(program, [...args, raw], timing)
        made = disk.format
      } catch (error) {
        if (!notInstalled(error)) throw error
        log(`${program} is not installed: ${disk.file} of guest ${files.uuid} is left unformatted`)
      }
    } else {
      log(
        `no way to make ${disk.format} here: ${disk.file} of guest ${files.uuid} is left unformatted`,
      )
    }
    const args =
      made === 'none'
        ? ['create', '-q', '-f', 'qcow2', partial, `${disk.sizeMb}M`]
        : ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, partial]
    await exec('qemu-img', args, timing)
    await rename(partial, target)
  } finally {
    await rm(raw, { force: true })
    await rm(partial, { force: true })
  }
  return made
}

/** Makes the ephemeral and swap disks a spec asks for in the guest's folder. */
export async function makeLocalDisks(
  spec: GuestSpec,
  files: GuestFiles,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<LocalDisk[]> {
  const disks: LocalDisk[] = []
  for (const [index, wanted] of wantedDisks(spec).entries()) {
    signal?.throwIfAborted()
    const format = await makeDisk(files, wanted, log, signal)
    disks.push({
      kind: wanted.kind,
      file: wanted.file,
      sizeMb: wanted.sizeMb,
      format,
      pciSlot: LOCAL_SLOTS.first + index,
      ...(wanted.fromFlavor ? { fromFlavor: true } : {}),
    })
  }
  return disks
}

/**
 * The local disks after a resize (the guest is stopped): the flavor's ephemeral disk grown to the
 * new size, or made when the guest had none and the new flavor has one; the swap disk made again
 * at the new size (none when 0). Ephemeral disks never shrink: a smaller size keeps the disk as
 * it is (a revert back to the old flavor), and mappings' disks keep their sizes.
 */
export async function resizeLocalDisks(
  record: { spec: GuestSpec; localDisks?: LocalDisk[] },
  size: GuestSize,
  files: GuestFiles,
  log: (message: string) => void,
): Promise<LocalDisk[]> {
  const current = record.localDisks ?? []
  const ephemerals = current.filter((d) => d.kind === 'ephemeral')
  const next: Omit<LocalDisk, 'pciSlot'>[] = []
  const wantedEphemeral = (size.ephemeralGb ?? 0) * 1024
  const flavorDisk = ephemerals.find((d) => d.fromFlavor)
  if (flavorDisk && wantedEphemeral > flavorDisk.sizeMb) {
    await exec(
      'qemu-img',
      ['resize', '-q', files.localDisk(flavorDisk.file), `${wantedEphemeral}M`],
      {
        timeoutMs: 60_000,
      },
    )
    log(
      `grew ${flavorDisk.file} of guest ${files.uuid} to ${wantedEphemeral} MB; its filesystem is as it was`,
    )
    next.push({ ...flavorDisk, sizeMb: wantedEphemeral })
    next.push(...ephemerals.filter((d) => d !== flavorDisk))
  } else if (ephemerals.length === 0 && wantedEphemeral > 0) {
    const spec = { ...record.spec, ephemeralGb: size.ephemeralGb ?? 0, swapMb: 0, ephemerals: [] }
    const [made] = await makeLocalDisks(spec, files, log)
    if (made) next.push(made)
  } else {
    if (flavorDisk && wantedEphemeral < flavorDisk.sizeMb) {
      log(
        `kept ${flavorDisk.file} of guest ${files.uuid} at ${flavorDisk.sizeMb} MB: an ephemeral disk never shrinks`,
      )
    }
    next.push(...ephemerals)
  }
  const oldSwap = current.find((d) => d.kind === 'swap')
  if (oldSwap) await rm(files.localDisk(oldSwap.file), { force: true })
  if ((size.swapMb ?? 0) > 0) {
    const spec = { ...record.spec, ephemeralGb: 0, ephemerals: [], swapMb: size.swapMb ?? 0 }
    const [swap] = await makeLocalDisks(spec, files, log)
    if (swap) next.push(swap)
  }
  return next.map((disk, index) => ({ ...disk, pciSlot: LOCAL_SLOTS.first + index }))
}
