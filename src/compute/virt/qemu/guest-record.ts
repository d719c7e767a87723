/** @module compute/virt/qemu/guest-record: what the driver keeps on disk per guest */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { GuestSpec } from '../compute-driver.js'

/** Where a volume's NBD export is served (its server reads the file's format: the guest sees raw). */
export interface NbdSource {
  host: string
  port: number
  export: string
}

/** A volume as the guest has it: the boot volume, or a data volume on every start. */
export interface AttachedVolume {
  volumeId: string
  /** The device name the compute service gave it (`/dev/vdb`); data volumes start in this order. */
  device: string
  /** The local file; for an NBD export, its `nbd://host:port/export` URL (what qemu-img reads). */
  path: string
  format: 'raw' | 'qcow2'
  readOnly: boolean
  /** The NBD export the volume is reached through; absent for a local file. */
  nbd?: NbdSource
  /**
   * The PCI slot of a data volume's disk, the same on every start and hotplug, so that a saved
   * guest state fits the next QEMU and the guest names its disks in the same order.
   */
  pciSlot?: number
}

/**
 * A disk of the guest's own besides the root: an ephemeral disk (`disk.local` for the flavor's,
 * `disk.eph<N>` for a mapping's) or the swap disk (`disk.swap`), a qcow2 file in its folder.
 */
export interface LocalDisk {
  kind: 'ephemeral' | 'swap'
  /** The file's name in the guest's folder. */
  file: string
  sizeMb: number
  /** The filesystem made on it, or `none` when the host had no tool to make it. */
  format: string
  /** The flavor's ephemeral disk, which a resize grows (a mapping's keeps its size). */
  fromFlavor?: boolean
  /** Its PCI slot, the same on every start, so that the guest names it the same. */
  pciSlot: number
}

/** A port's tap as the guest has it: from the spawn, or hot-plugged since. */
export interface GuestTap {
  name: string
  mac: string
  /**
   * The PCI slot of a hot-plugged NIC, the same on every start, so that a saved guest state fits
   * the next QEMU and the guest keeps naming its interfaces in the same order.
   */
  pciSlot?: number
}

/** Everything needed to start a guest's QEMU again, after a stop or an agent restart. */
export interface GuestRecord {
  spec: GuestSpec
  /** Format of the overlay's backing file (unused when the guest boots from a volume). */
  baseFormat: string
  /** The volume whose file is the root disk when the guest boots from one (no overlay then). */
  rootVolume?: AttachedVolume
  kernel?: string
  initrd?: string
  append?: string
  /** Whether the guest has a config drive (`disk.config`), attached read-only at every start. */
  configDrive?: boolean
  /**
   * The config drive's device: a CD-ROM on the IDE bus, or a virtio disk for guests spawned before
   * it became a CD-ROM (absent), so that their saved state still fits.
   */
  configDriveBus?: 'ide-cd'
  /** Ephemeral disks then the swap disk, in the order the guest sees them after the root disk. */
  localDisks?: LocalDisk[]
  taps: GuestTap[]
  /** Data volumes, from the spawn and hot-plugged since. */
  volumes: AttachedVolume[]
}

/** A guest's files: `guests/<uuid>/{guest.json,root.qcow2,console.log,qmp.sock,qemu.pid}`. */
export class GuestFiles {
  readonly dir: string
  constructor(
    guestsDir: string,
    readonly uuid: string,
  ) {
    if (!/^[\w-]+$/.test(uuid))
      throw new Error(`guest id ${JSON.stringify(uuid)} is not a safe file name`)
    this.dir = join(guestsDir, uuid)
  }
  get record(): string {
    return join(this.dir, 'guest.json')
  }
  get overlay(): string {
    return join(this.dir, 'root.qcow2')
  }
  get console(): string {
    return join(this.dir, 'console.log')
  }
  get qmp(): string {
    return join(this.dir, 'qmp.sock')
  }
  get pidFile(): string {
    return join(this.dir, 'qemu.pid')
  }
  /** A local disk's file (`disk.local`, `disk.eph0`, `disk.swap`). */
  localDisk(name: string): string {
    return join(this.dir, name)
  }
  /** The config drive's ISO image. */
  get configDrive(): string {
    return join(this.dir, 'disk.config')
  }
  get initrd(): string {
    return join(this.dir, 'initrd.img')
  }
  /** Written while the guest is suspended: QEMU's saved state. */
  get savedState(): string {
    return join(this.dir, 'memory.state')
  }
}

/** Reads a guest's record; undefined when the guest does not exist. */
export async function readGuestRecord(files: GuestFiles): Promise<GuestRecord | undefined> {
  const text = await readFile(files.record, 'utf8').catch(() => undefined)
  return text === undefined ? undefined : (JSON.parse(text) as GuestRecord)
}

/** Writes a guest's record atomically. */
export async function writeGuestRecord(files: GuestFiles, record: GuestRecord): Promise<void> {
  await mkdir(files.dir, { recursive: true })
  const partial = `${files.record}.part`
  await writeFile(partial, JSON.stringify(record, null, 1))
  await rename(partial, files.record)
}

/** The uuids of guests with a record under `guestsDir`. */
export async function listGuestRecords(guestsDir: string): Promise<string[]> {
  const names = await readdir(guestsDir).catch(() => [] as string[])
  const found: string[] = []
  for (const name of names) {
    if (
      await readFile(join(guestsDir, name, 'guest.json')).then(
        () => true,
        () => false,
      )
    ) {
      found.push(name)
    }
  }
  return found
}
