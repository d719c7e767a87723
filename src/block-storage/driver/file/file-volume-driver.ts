/** @module block-storage/driver/file/file-volume-driver: volumes as qcow2 or raw files on a local disk */
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { link, mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import {
  VolumeDriverError,
  type CapacityStats,
  type ConnectionHolder,
  type ConnectionInfo,
  type Connector,
  type DriverCapabilities,
  type VolumeDriver,
  type VolumeExport,
  type VolumeFormat,
} from '../volume-driver.js'
import {
  fsyncFile,
  imgConvert,
  imgCreate,
  imgInfo,
  imgRebase,
  imgResize,
  virtualSizeOf,
} from './qemu-img.js'
import { NbdExports, wantsExport, type NbdExportSettings } from './nbd-exports.js'

const GIB = 1024 ** 3
/** Every half-made file carries this infix, so init() can find and remove it. */
const PARTIAL = '.partial-'

/** Settings of a file backend. */
export interface FileDriverSettings {
  /** Folder of the volume and snapshot files. */
  root: string
  format: VolumeFormat
  /** Capacity offered to the scheduler; 0: the file system's size. */
  capacityGb: number
  /** NBD exports for hosts that do not reach the folder; absent: every host gets the file's path. */
  exports?: NbdExportSettings
  /** Where the driver says what it could not do at init (the agent's log). */
  warn?: (message: string) => void
}

/**
 * Each volume is `volume-<id>.<format>`. With qcow2 a snapshot is the volume's frozen file
 * (`snapshot-<id>.qcow2`, hard-linked then replaced by an overlay that uses it as backing file),
 * so it shares every unchanged block; with raw it is a sparse copy.
 */
export class FileVolumeDriver implements VolumeDriver {
  readonly name = 'file'
  private readonly exports: NbdExports | undefined

  constructor(private readonly settings: FileDriverSettings) {
    this.exports = settings.exports
      ? new NbdExports(settings.root, settings.exports, settings.format)
      : undefined
  }

  capabilities(): DriverCapabilities {
    return {
      vendorName: 'Nimbus',
      driverVersion: '1.0.0',
      storageProtocol: 'file',
      thinProvisioning: true,
      copyOnWriteSnapshots: this.settings.format === 'qcow2',
      onlineExtend: false,
    }
  }

  private volumePath(id: string): string {
    return join(this.settings.root, `volume-${id}.${this.settings.format}`)
  }

  private snapshotName(id: string): string {
    return `snapshot-${id}.${this.settings.format}`
  }

  private snapshotPath(id: string): string {
    return join(this.settings.root, this.snapshotName(id))
  }

  private partial(path: string): string {
    return `${path}${PARTIAL}${randomUUID().slice(0, 8)}`
  }

  async init(): Promise<void> {
    await mkdir(this.settings.root, { recursive: true, mode: 0o700 })
    for (const name of await readdir(this.settings.root)) {
      if (name.includes(PARTIAL)) await rm(join(this.settings.root, name), { force: true })
    }
    // an export that cannot start again is said, and retried at its holders' next connection
    for (const failure of (await this.exports?.adopt(this.settings.root)) ?? [])
      this.settings.warn?.(failure)
  }

  async stats(): Promise<CapacityStats> {
    const fs = await statfs(this.settings.root)
    const fsTotalGb = (fs.blocks * fs.bsize) / GIB
    const fsFreeGb = (fs.bavail * fs.bsize) / GIB
    let provisioned = 0
    for (const id of await this.listVolumes()) {
      provisioned += await virtualSizeOf(this.volumePath(id), this.settings.format).catch(() => 0)
    }
    const provisionedGb = Math.ceil(provisioned / GIB)
    const totalGb = this.settings.capacityGb > 0 ? this.settings.capacityGb : Math.floor(fsTotalGb)
    return {
      totalGb,
      freeGb: Math.max(0, Math.min(totalGb - provisionedGb, Math.floor(fsFreeGb))),
      provisionedGb,
    }
  }

  async listVolumes(): Promise<string[]> {
    const suffix = `.${this.settings.format}`
    return (await readdir(this.settings.root))
      .filter((n) => n.startsWith('volume-') && n.endsWith(suffix) && !n.includes(PARTIAL))
      .map((n) => n.slice('volume-'.length, -suffix.length))
  }

  private async exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    )
  }

  private async mustExist(path: string, what: string): Promise<void> {
    if (!(await this.exists(path)))
      throw new VolumeDriverError(`${what} does not exist on backend file`)
  }

  /** Builds a file under a partial name with `make`, then renames it into place. */
  private async produce(path: string, make: (partial: string) => Promise<void>): Promise<void> {
    const partial = this.partial(path)
    try {
      await make(partial)
      await fsyncFile(partial)
      await rename(partial, path)
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
  }

  /** A volume that already exists is accepted when its size is the one asked for. */
  private async alreadyMade(id: string, sizeGb: number): Promise<boolean> {
    const path = this.volumePath(id)
    if (!(await this.exists(path))) return false
    const size = await virtualSizeOf(path, this.settings.format)
    if (size === sizeGb * GIB) return true
    throw new VolumeDriverError(`volume ${id} already exists with another size`)
  }

  async createVolume(spec: { id: string; sizeGb: number }): Promise<void> {
    if (await this.alreadyMade(spec.id, spec.sizeGb)) return
    await this.produce(this.volumePath(spec.id), (partial) =>
      imgCreate(partial, this.settings.format, spec.sizeGb * GIB),
    )
  }

  async deleteVolume(id: string): Promise<void> {
    // the API refuses to delete an attached volume: an export still here serves nobody
    await this.exports?.release(id)
    await rm(this.volumePath(id), { force: true })
  }

  async extendVolume(id: string, sizeGb: number): Promise<void> {
    const path = this.volumePath(id)
    await this.mustExist(path, `volume ${id}`)
    const size = await virtualSizeOf(path, this.settings.format)
    if (sizeGb * GIB < size)
      throw new VolumeDriverError(`volume ${id} cannot shrink to ${sizeGb} GiB`)
    if (sizeGb * GIB === size) return
    await imgResize(path, this.settings.format, sizeGb * GIB)
  }

  async createSnapshot(spec: { id: string; volumeId: string }): Promise<void> {
    const snap = this.snapshotPath(spec.id)
    if (await this.exists(snap)) return
    const vol = this.volumePath(spec.volumeId)
    await this.mustExist(vol, `volume ${spec.volumeId}`)
    if (this.settings.format === 'raw') {
      await this.produce(snap, (partial) =>
        imgConvert({ path: vol, format: 'raw' }, { path: partial, format: 'raw' }),
      )
      return
    }
    // The volume's current file becomes the snapshot (a second name for the same inode), then
    // an overlay on it takes the volume's name: at every step the volume's path holds its data.
    await link(vol, snap)
    try {
      const overlay = this.partial(vol)
      await imgCreate(overlay, 'qcow2', 0, this.snapshotName(spec.id))
      await rename(overlay, vol)
    } catch (error) {
      await rm(snap, { force: true })
      throw error
    }
  }

  async deleteSnapshot(id: string): Promise<void> {
    const snap = this.snapshotPath(id)
    if (!(await this.exists(snap))) return
    if (this.settings.format === 'qcow2') {
      const own = (await imgInfo(snap, 'qcow2')).backingFile ?? ''
      for (const name of await readdir(this.settings.root)) {
        if (name.includes(PARTIAL) || !name.endsWith('.qcow2') || name === this.snapshotName(id))
          continue
        const path = join(this.settings.root, name)
        // Other volumes come and go meanwhile: one deleted since the listing is no child.
        const gone = async (error: unknown) => {
          if (await this.exists(path)) throw error
          return undefined
        }
        const info = await imgInfo(path, 'qcow2').catch(gone)
        // Children take over the blocks they still read from the snapshot before it goes.
        if (info?.backingFile === this.snapshotName(id)) await imgRebase(path, own).catch(gone)
      }
    }
    await rm(snap, { force: true })
  }

  private async copyInto(
    id: string,
    source: { path: string; format: string },
    sizeGb: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (await this.alreadyMade(id, sizeGb)) return
    const virtualSize = (await imgInfo(source.path, source.format)).virtualSize
    if (virtualSize > sizeGb * GIB)
      throw new VolumeDriverError(
        `the source's ${Math.ceil(virtualSize / GIB)} GiB disk does not fit in ${sizeGb} GiB`,
      )
    await this.produce(this.volumePath(id), async (partial) => {
      await imgConvert(source, { path: partial, format: this.settings.format }, signal)
      if (virtualSize < sizeGb * GIB) await imgResize(partial, this.settings.format, sizeGb * GIB)
    })
  }

  async createFromSnapshot(spec: { id: string; snapshotId: string; sizeGb: number }) {
    const snap = this.snapshotPath(spec.snapshotId)
    await this.mustExist(snap, `snapshot ${spec.snapshotId}`)
    await this.copyInto(spec.id, { path: snap, format: this.settings.format }, spec.sizeGb)
  }

  async cloneVolume(spec: { id: string; sourceId: string; sizeGb: number }) {
    const source = this.volumePath(spec.sourceId)
    await this.mustExist(source, `volume ${spec.sourceId}`)
    await this.copyInto(spec.id, { path: source, format: this.settings.format }, spec.sizeGb)
  }

  async copyImageToVolume(spec: {
    id: string
    sizeGb: number
    format: VolumeFormat
    source: import('node:stream').Readable
    signal?: AbortSignal
  }): Promise<void> {
    const download = this.partial(join(this.settings.root, `image-for-${spec.id}`))
    try {
      await pipeline(spec.source, createWriteStream(download, { mode: 0o600 }), {
        ...(spec.signal ? { signal: spec.signal } : {}),
      })
      await this.copyInto(
        spec.id,
        { path: download, format: spec.format },
        spec.sizeGb,
        spec.signal,
      )
    } finally {
      await rm(download, { force: true })
    }
  }

  async copyVolumeToImage(id: string, format: VolumeFormat): Promise<VolumeExport> {
    const path = this.volumePath(id)
    await this.mustExist(path, `volume ${id}`)
    const out = this.partial(join(this.settings.root, `export-${id}.${format}`))
    try {
      await imgConvert({ path, format: this.settings.format }, { path: out, format })
      const handle = await open(out, 'r')
      const size = (await handle.stat()).size
      // The export is a temporary file: its name goes now, its data once the stream closes.
      await rm(out, { force: true })
      return { format, size, stream: handle.createReadStream() }
    } catch (error) {
      await rm(out, { force: true })
      throw error
    }
  }

  /**
   * The file's path for a host that reaches the folder; for another host (or every host when
   * configured so) an NBD export of the volume, shared by its holders, read-only when asked so.
   * A holder whose attachment comes to the volume's own host lets go of its export.
   */
  async connectionInfo(
    id: string,
    connector: Connector,
    holder?: ConnectionHolder,
  ): Promise<ConnectionInfo> {
    const path = this.volumePath(id)
    await this.mustExist(path, `volume ${id}`)
    const access = holder?.readOnly ? 'ro' : 'rw'
    if (!this.exports || !this.settings.exports || !wantsExport(this.settings.exports, connector)) {
      if (holder) await this.exports?.release(id, holder.holder)
      return {
        driverVolumeType: 'file',
        data: { volume_id: id, path, format: this.settings.format, access_mode: access },
      }
    }
    const e = await this.exports.acquire({
      volumeId: id,
      path,
      format: this.settings.format,
      holder: holder?.holder ?? `connector:${String(connector.host ?? '')}`,
      readOnly: holder?.readOnly ?? false,
    })
    return {
      driverVolumeType: 'nbd',
      data: {
        volume_id: id,
        host: e.address,
        port: e.port,
        name: e.exportName,
        format: 'raw',
        access_mode: e.readOnly ? 'ro' : 'rw',
      },
    }
  }

  async terminateConnection(id: string, holder?: string): Promise<void> {
    await this.exports?.release(id, holder)
  }
}
