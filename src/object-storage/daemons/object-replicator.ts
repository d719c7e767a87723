/** @module object-storage/daemons/object-replicator: restores missing or stale replicas from peers */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../core/log/index.js'
import type { Cluster } from '../proxy/cluster.js'
import type { DiskFileStore, DiskFileEntry } from '../storage/disk-file.js'
import { currentStamp } from '../storage/file-disk-file.js'

/** What one pass did. */
export interface ReplicationReport {
  objectsChecked: number
  objectsRepaired: number
  databasesMerged: number
}

async function pushTo(source: DiskFileStore, target: DiskFileStore, entry: DiskFileEntry) {
  const { partition, hash, state } = entry
  if (state.kind === 'tombstone') {
    await target.delete(partition, hash, { timestamp: state.timestamp, name: state.name })
    return
  }
  const writer = await target.createWriter(partition, hash)
  try {
    const data = { ...state.metadata, timestamp: state.dataTimestamp }
    if (data.size > 0) {
      const stream = await source.open(partition, hash, {
        dataTimestamp: state.dataTimestamp,
        start: 0,
        end: data.size - 1,
      })
      for await (const chunk of stream) await writer.write(chunk as Buffer)
    }
    await writer.commit(data)
  } catch (error) {
    await writer.abort()
    throw error
  }
  if (state.dataTimestamp !== state.metadata.timestamp) {
    await target.post(partition, hash, {
      timestamp: state.metadata.timestamp,
      headers: state.metadata.headers,
    })
  }
}

/** One pass over every device: each object's newest state is pushed to primaries that lack it. */
export async function replicateObjects(
  cluster: Cluster,
  logger: Logger,
): Promise<ReplicationReport> {
  const report: ReplicationReport = { objectsChecked: 0, objectsRepaired: 0, databasesMerged: 0 }
  for (const device of cluster.ring.devices) {
    const source = cluster.store(device.id)
    if (!source) continue
    for await (const entry of source.list()) {
      report.objectsChecked += 1
      const { nodes } = cluster.ring.partitionNodes(entry.partition)
      for (const node of nodes) {
        if (node.id === device.id) continue
        const target = cluster.store(node.id)
        if (!target) continue
        const theirs = await target.read(entry.partition, entry.hash).catch(() => undefined)
        if (theirs && currentStamp(theirs) >= currentStamp(entry.state)) continue
        try {
          await pushTo(source, target, entry)
          report.objectsRepaired += 1
        } catch (error) {
          logger.warn(
            { err: error, hash: entry.hash, device: node.name },
            'object replication failed',
          )
        }
      }
    }
  }
  report.databasesMerged = await replicateDatabases(cluster)
  return report
}

async function listDbs(dir: string): Promise<{ partition: number; hash: string }[]> {
  const out: { partition: number; hash: string }[] = []
  for (const part of await readdir(dir).catch(() => [] as string[])) {
    for (const file of await readdir(join(dir, part)).catch(() => [] as string[])) {
      if (file.endsWith('.db')) out.push({ partition: Number(part), hash: file.slice(0, -3) })
    }
  }
  return out
}

/** Merges container and account rows between the primaries of each database. */
async function replicateDatabases(cluster: Cluster): Promise<number> {
  let merged = 0
  for (const device of cluster.ring.devices) {
    if (!cluster.store(device.id)) continue
    for (const { partition, hash } of await listDbs(join(device.path, 'containers'))) {
      const source = cluster.containerBrokerAt(device, partition, hash)
      const info = source.info()
      if (!info) continue
      for (const node of cluster.ring.partitionNodes(partition).nodes) {
        if (node.id === device.id || !cluster.store(node.id)) continue
        const target = cluster.containerBrokerAt(node, partition, hash)
        target.initialize(info.account, info.container, info.putTimestamp)
        target.updateMetadata(info.metadata)
        if (info.deleteTimestamp > info.putTimestamp) target.markDeleted(info.deleteTimestamp)
        target.mergeObjects(source.allObjects())
        merged += 1
      }
    }
    for (const { partition, hash } of await listDbs(join(device.path, 'accounts'))) {
      const source = cluster.accountBrokerAt(device, partition, hash)
      const info = source.info()
      if (!info) continue
      for (const node of cluster.ring.partitionNodes(partition).nodes) {
        if (node.id === device.id || !cluster.store(node.id)) continue
        const target = cluster.accountBrokerAt(node, partition, hash)
        target.initialize(info.account, info.createdAt)
        target.updateMetadata(info.metadata)
        target.mergeContainers(source.allContainers())
        merged += 1
      }
    }
  }
  return merged
}
