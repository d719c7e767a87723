/** @module object-storage/storage/disk-file: the contract of one device's object files */
import type { Readable } from 'node:stream'

/** What is kept with an object's data. */
export interface ObjectMetadata {
  /** `/account/container/object`, so a replicator can find the ring nodes of a file. */
  name: string
  /** X-Timestamp of the write. */
  timestamp: string
  contentType: string
  etag: string
  size: number
  /** Headers kept verbatim (`x-object-meta-*`, `x-delete-at`, `x-object-manifest`, ...). */
  headers: Record<string, string>
}

/** The newest state of an object on a device. */
export type ObjectState =
  | {
      kind: 'data'
      metadata: ObjectMetadata
      dataTimestamp: string
      /** The whole data, when the store read it along with the metadata (small objects). */
      body?: Buffer
    }
  | { kind: 'tombstone'; timestamp: string; name: string }

/** An upload in progress on one device. */
export interface DiskFileWriter {
  /** Appends bytes; resolves once they are handed to the device. */
  write(chunk: Buffer): Promise<void>
  /** Makes the object durable and visible (fsync then rename); a newer state is never replaced. */
  commit(metadata: ObjectMetadata): Promise<void>
  /** Drops the upload; nothing becomes visible. Safe to call after a failed commit. */
  abort(): Promise<void>
}

/** One item as a replicator sees it. */
export interface DiskFileEntry {
  partition: number
  hash: string
  state: ObjectState
}

/**
 * The object files of one device, addressed by ring partition and path hash.
 *
 * Implementations must: make a committed write durable before `commit` resolves; never expose a
 * partial write; let the newest X-Timestamp win among data, tombstones and metadata updates,
 * whatever the order they arrive in; and be safe under concurrent calls for the same object.
 */
export interface DiskFileStore {
  /** A writer for a new version of the object; invisible until committed. */
  createWriter(partition: number, hash: string): Promise<DiskFileWriter>
  /** The newest state, or undefined when the device has never seen the object. */
  read(partition: number, hash: string): Promise<ObjectState | undefined>
  /** The bytes of the data at `dataTimestamp`, `start`..`end` inclusive. */
  open(
    partition: number,
    hash: string,
    range: { dataTimestamp: string; start: number; end: number },
  ): Promise<Readable>
  /** Records a deletion at `timestamp`; an older one than the newest state is ignored. */
  delete(
    partition: number,
    hash: string,
    tombstone: { timestamp: string; name: string },
  ): Promise<void>
  /** Replaces the user headers at `timestamp` (fast POST); ignored when not newer than the state. */
  post(
    partition: number,
    hash: string,
    update: { timestamp: string; headers: Record<string, string> },
  ): Promise<void>
  /** Every item on the device, for replicators and auditors. */
  list(): AsyncIterable<DiskFileEntry>
  /** Moves a corrupt copy aside so the replicator restores it from a peer. */
  quarantine(partition: number, hash: string): Promise<void>
}
