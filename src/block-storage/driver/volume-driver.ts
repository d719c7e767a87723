/** @module block-storage/driver/volume-driver: the contract every volume backend implements */
import type { Readable } from 'node:stream'

/** Disk formats a driver can store a volume in or read an image from. */
export const VOLUME_FORMATS = ['raw', 'qcow2'] as const
export type VolumeFormat = (typeof VOLUME_FORMATS)[number]

/** Whether a string is a known volume format. */
export function isVolumeFormat(value: string): value is VolumeFormat {
  return (VOLUME_FORMATS as readonly string[]).includes(value)
}

/** What a backend can do, reported to the scheduler and `GET /capabilities`. */
export interface DriverCapabilities {
  vendorName: string
  driverVersion: string
  storageProtocol: string
  thinProvisioning: boolean
  /** Snapshots share unchanged blocks with their volume. */
  copyOnWriteSnapshots: boolean
  /** The volume may be grown while a guest uses it. */
  onlineExtend: boolean
}

/** Capacity of the backend in GiB, as Cinder's pool stats report it. */
export interface CapacityStats {
  totalGb: number
  freeGb: number
  /** Sum of the sizes of the volumes it holds (what the scheduler counts against total). */
  provisionedGb: number
}

/** How a host reaches a volume (Cinder's `connection_info`). */
export interface ConnectionInfo {
  driverVolumeType: string
  data: Record<string, unknown>
}

/** The host that wants to reach a volume (Cinder's `connector`). */
export interface Connector {
  host?: string
  ip?: string
  initiator?: string
  [key: string]: unknown
}

/** Who a connection serves, so that the backend can end it again and open it as it is used. */
export interface ConnectionHolder {
  /** An attachment id, or `connector:<host>` for the older actions that name no attachment. */
  holder: string
  /** The connection is only read: a backend that exports the volume exports it read-only. */
  readOnly: boolean
}

/** The bytes of a volume read out in a format. */
export interface VolumeExport {
  format: VolumeFormat
  size: number
  stream: Readable
}

/**
 * A volume backend. Every method is keyed by ids the server chose and must be safe to repeat:
 * the agent reconciles after a lost message or a restart by simply calling again.
 */
export interface VolumeDriver {
  readonly name: string
  capabilities(): DriverCapabilities
  /** Prepares the backend and removes what an interrupted operation left half-made. */
  init(): Promise<void>
  stats(): Promise<CapacityStats>
  /** Ids of the volumes the backend holds, for reconciliation. */
  listVolumes(): Promise<string[]>
  /**
   * Creates an empty volume of `sizeGb` GiB. Must leave nothing behind when it fails; must
   * succeed without change when the volume already exists with that size.
   */
  createVolume(spec: { id: string; sizeGb: number }): Promise<void>
  /**
   * Removes a volume. Must succeed when it does not exist. May refuse while the volume has
   * snapshots (the API refuses that first); must never change a snapshot's content.
   */
  deleteVolume(id: string): Promise<void>
  /** Grows a volume to `sizeGb`; must refuse to shrink it. */
  extendVolume(id: string, sizeGb: number): Promise<void>
  /** Freezes the volume's current content as snapshot `id`; the volume stays writable. */
  createSnapshot(spec: { id: string; volumeId: string }): Promise<void>
  /** Removes a snapshot without changing any volume's content. Must succeed when absent. */
  deleteSnapshot(id: string): Promise<void>
  /** A new independent volume with a snapshot's content, grown to `sizeGb`. */
  createFromSnapshot(spec: { id: string; snapshotId: string; sizeGb: number }): Promise<void>
  /** A new independent volume with another volume's current content, grown to `sizeGb`. */
  cloneVolume(spec: { id: string; sourceId: string; sizeGb: number }): Promise<void>
  /**
   * A new volume holding an image's disk (`format` is how the bytes are encoded). Must refuse
   * an image whose disk is larger than `sizeGb`, and leave nothing behind when it fails.
   */
  copyImageToVolume(spec: {
    id: string
    sizeGb: number
    format: VolumeFormat
    source: Readable
    signal?: AbortSignal
  }): Promise<void>
  /** The volume's content encoded as `format`; the caller must consume or destroy the stream. */
  copyVolumeToImage(id: string, format: VolumeFormat): Promise<VolumeExport>
  /**
   * How `connector` reaches the volume; called for each attachment and again when an attachment
   * gets another host's connector (a move). What it sets up for a remote host (an export) is kept
   * for `holder` until {@link terminateConnection}; must be safe to repeat for the same holder.
   */
  connectionInfo(
    id: string,
    connector: Connector,
    holder?: ConnectionHolder,
  ): Promise<ConnectionInfo>
  /**
   * Ends what {@link connectionInfo} set up for `holder` (for every holder when absent). Must
   * succeed when nothing is set up or the volume does not exist.
   */
  terminateConnection(id: string, holder?: string): Promise<void>
}

/** A volume or snapshot the driver was asked about does not exist on the backend. */
export class VolumeDriverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'VolumeDriverError'
  }
}

/**
 * The backend works but cannot serve the request as it was asked (a volume exported read-write
 * to one host cannot go read-only to another): the caller's error, 400 across the bus.
 */
export class VolumeDriverRefusal extends VolumeDriverError {
  readonly status = 400

  constructor(message: string) {
    super(message)
    this.name = 'VolumeDriverRefusal'
  }
}
