/** @module block-storage/driver/fake/fake-volume-driver: volumes held in memory */
import { Readable } from 'node:stream'
import {
  VolumeDriverError,
  type CapacityStats,
  type ConnectionInfo,
  type DriverCapabilities,
  type VolumeDriver,
  type VolumeExport,
  type VolumeFormat,
} from '../volume-driver.js'

const GIB = 1024 ** 3

interface Held {
  sizeGb: number
  /** The bytes written from offset 0; the rest of the volume reads as zeros. */
  data: Buffer
  volumeId?: string
}

/** Zero-filled content after `data`, produced lazily up to `size` bytes. */
function contentStream(data: Buffer, size: number): Readable {
  let offset = 0
  const chunk = 1024 * 1024
  return new Readable({
    read() {
      if (offset >= size) {
        this.push(null)
        return
      }
      const n = Math.min(chunk, size - offset)
      const out = Buffer.alloc(n)
      if (offset < data.length) data.copy(out, 0, offset, Math.min(data.length, offset + n))
      offset += n
      this.push(out)
    },
  })
}

/** Trailing zeros carry no information: keep only what matters. */
function trimmed(data: Buffer): Buffer {
  let end = data.length
  while (end > 0 && data[end - 1] === 0) end -= 1
  return Buffer.from(data.subarray(0, end))
}

/** An in-memory backend with a fixed capacity, good enough for the API and Tempest. */
export class FakeVolumeDriver implements VolumeDriver {
  readonly name = 'fake'
  private readonly volumes = new Map<string, Held>()
  private readonly snapshots = new Map<string, Held>()

  constructor(private readonly capacityGb: number) {}

  capabilities(): DriverCapabilities {
    return {
      vendorName: 'Nimbus',
      driverVersion: '1.0.0',
      storageProtocol: 'fake',
      thinProvisioning: true,
      copyOnWriteSnapshots: false,
      onlineExtend: true,
    }
  }

  async init(): Promise<void> {
    // nothing survives a restart in memory
  }

  async stats(): Promise<CapacityStats> {
    const provisionedGb = [...this.volumes.values()].reduce((sum, v) => sum + v.sizeGb, 0)
    return {
      totalGb: this.capacityGb,
      freeGb: Math.max(0, this.capacityGb - provisionedGb),
      provisionedGb,
    }
  }

  async listVolumes(): Promise<string[]> {
    return [...this.volumes.keys()]
  }

  private volume(id: string): Held {
    const v = this.volumes.get(id)
    if (!v) throw new VolumeDriverError(`volume ${id} does not exist on backend fake`)
    return v
  }

  private add(id: string, held: Held): void {
    const existing = this.volumes.get(id)
    if (existing) {
      if (existing.sizeGb === held.sizeGb) return
      throw new VolumeDriverError(`volume ${id} already exists with another size`)
    }
    this.volumes.set(id, held)
  }

  async createVolume(spec: { id: string; sizeGb: number }): Promise<void> {
    this.add(spec.id, { sizeGb: spec.sizeGb, data: Buffer.alloc(0) })
  }

  async deleteVolume(id: string): Promise<void> {
    for (const [sid, s] of this.snapshots) {
      if (s.volumeId === id)
        throw new VolumeDriverError(`volume ${id} still has snapshot ${sid} on backend fake`)
    }
    this.volumes.delete(id)
  }

  async extendVolume(id: string, sizeGb: number): Promise<void> {
    const v = this.volume(id)
    if (sizeGb < v.sizeGb) throw new VolumeDriverError(`volume ${id} cannot shrink to ${sizeGb}`)
    v.sizeGb = sizeGb
  }

  async createSnapshot(spec: { id: string; volumeId: string }): Promise<void> {
    if (this.snapshots.has(spec.id)) return
    const v = this.volume(spec.volumeId)
    this.snapshots.set(spec.id, {
      sizeGb: v.sizeGb,
      data: Buffer.from(v.data),
      volumeId: spec.volumeId,
    })
  }

  async deleteSnapshot(id: string): Promise<void> {
    this.snapshots.delete(id)
  }

  async createFromSnapshot(spec: { id: string; snapshotId: string; sizeGb: number }) {
    const s = this.snapshots.get(spec.snapshotId)
    if (!s) throw new VolumeDriverError(`snapshot ${spec.snapshotId} does not exist`)
    if (spec.sizeGb < s.sizeGb)
      throw new VolumeDriverError('a volume cannot be smaller than its snapshot')
    this.add(spec.id, { sizeGb: spec.sizeGb, data: Buffer.from(s.data) })
  }

  async cloneVolume(spec: { id: string; sourceId: string; sizeGb: number }) {
    const v = this.volume(spec.sourceId)
    if (spec.sizeGb < v.sizeGb)
      throw new VolumeDriverError('a clone cannot be smaller than its source')
    this.add(spec.id, { sizeGb: spec.sizeGb, data: Buffer.from(v.data) })
  }

  async copyImageToVolume(spec: {
    id: string
    sizeGb: number
    format: VolumeFormat
    source: import('node:stream').Readable
  }): Promise<void> {
    if (spec.format !== 'raw')
      throw new VolumeDriverError(`backend fake reads only raw images, not ${spec.format}`)
    const chunks: Buffer[] = []
    let length = 0
    for await (const chunk of spec.source) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
      length += b.length
      if (length > spec.sizeGb * GIB)
        throw new VolumeDriverError(`image is larger than the volume's ${spec.sizeGb} GiB`)
      chunks.push(b)
    }
    this.add(spec.id, { sizeGb: spec.sizeGb, data: trimmed(Buffer.concat(chunks)) })
  }

  async copyVolumeToImage(id: string, format: VolumeFormat): Promise<VolumeExport> {
    if (format !== 'raw') throw new VolumeDriverError(`backend fake writes only raw images`)
    const v = this.volume(id)
    const size = v.sizeGb * GIB
    return { format, size, stream: contentStream(v.data, size) }
  }

  async connectionInfo(id: string): Promise<ConnectionInfo> {
    const v = this.volume(id)
    return {
      driverVolumeType: 'fake',
      data: { volume_id: id, size_gb: v.sizeGb, access_mode: 'rw' },
    }
  }

  /** The fake sets nothing up per connection. */
  async terminateConnection(): Promise<void> {}
}
