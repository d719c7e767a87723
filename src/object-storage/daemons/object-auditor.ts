/** @module object-storage/daemons/object-auditor: checks every object copy against its ETag */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../../core/log/index.js'
import type { Cluster } from '../proxy/cluster.js'
import type { DiskFileEntry, DiskFileStore, ObjectMetadata } from '../storage/disk-file.js'

/** What one pass did. */
export interface AuditReport {
  objectsChecked: number
  bytesRead: number
  /** Copies moved aside because their bytes no longer match their metadata. */
  quarantined: number
  /** Copies that could not be read (gone or replaced during the pass); left alone. */
  skipped: number
}

/** Options for {@link auditObjects}. */
export interface AuditOptions {
  /** Read rate kept under across the pass; unlimited when absent. */
  bytesPerSecond?: number
  /** Ends the pass early (between objects). */
  signal?: AbortSignal
}

/** Paces reads to a byte rate: sleeps whenever the pass is ahead of its budget. */
function pacer(bytesPerSecond: number | undefined, signal: AbortSignal | undefined) {
  const started = performance.now()
  let total = 0
  return async (bytes: number) => {
    total += bytes
    if (bytesPerSecond === undefined) return
    const aheadMs = (total / bytesPerSecond) * 1000 - (performance.now() - started)
    if (aheadMs > 1) await sleep(aheadMs, undefined, signal ? { signal } : {}).catch(() => {})
  }
}

/** The MD5 and length of a copy's data, or undefined when it cannot be read. */
async function digestOf(
  store: DiskFileStore,
  entry: DiskFileEntry,
  data: { metadata: ObjectMetadata; dataTimestamp: string },
  pace: (bytes: number) => Promise<void>,
): Promise<{ etag: string; size: number } | undefined> {
  const md5 = createHash('md5')
  let size = 0
  if (data.metadata.size === 0) return { etag: md5.digest('hex'), size }
  try {
    const stream = await store.open(entry.partition, entry.hash, {
      dataTimestamp: data.dataTimestamp,
      start: 0,
      end: data.metadata.size - 1,
    })
    for await (const chunk of stream) {
      const bytes = chunk as Buffer
      md5.update(bytes)
      size += bytes.length
      await pace(bytes.length)
    }
  } catch {
    return undefined
  }
  return { etag: md5.digest('hex'), size }
}

/** Whether the copy still holds the same data it held when the check began. */
async function unchanged(store: DiskFileStore, entry: DiskFileEntry, dataTimestamp: string) {
  const now = await store.read(entry.partition, entry.hash).catch(() => undefined)
  return now?.kind === 'data' && now.dataTimestamp === dataTimestamp
}

/**
 * One pass over every device (as Swift's object auditor): each copy's bytes are read and their
 * MD5 and length compared with the metadata; a copy that differs is quarantined so the
 * replicator restores it from a good peer. Tombstones have no data and are not read.
 */
export async function auditObjects(
  cluster: Cluster,
  logger: Logger,
  options: AuditOptions = {},
): Promise<AuditReport> {
  const report: AuditReport = { objectsChecked: 0, bytesRead: 0, quarantined: 0, skipped: 0 }
  const pace = pacer(options.bytesPerSecond, options.signal)
  for (const device of cluster.ring.devices) {
    const store = cluster.store(device.id)
    if (!store) continue
    for await (const entry of store.list()) {
      if (options.signal?.aborted) return report
      const { state } = entry
      if (state.kind !== 'data') continue
      report.objectsChecked += 1
      const found = await digestOf(store, entry, state, pace)
      if (!found) {
        report.skipped += 1
        continue
      }
      report.bytesRead += found.size
      if (found.etag === state.metadata.etag && found.size === state.metadata.size) continue
      // A newer write may have replaced the file while it was read: only a stable copy is bad.
      if (!(await unchanged(store, entry, state.dataTimestamp))) {
        report.skipped += 1
        continue
      }
      await store.quarantine(entry.partition, entry.hash)
      report.quarantined += 1
      logger.warn(
        {
          device: device.name,
          partition: entry.partition,
          hash: entry.hash,
          name: state.metadata.name,
          expected: state.metadata.etag,
          found: found.etag,
        },
        'object copy failed its audit and was quarantined',
      )
    }
  }
  return report
}
