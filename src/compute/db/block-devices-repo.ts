/** @module compute/db/block-devices-repo: servers' block device mappings and hosts' driver capabilities */
import type { Selectable } from 'kysely'
import type { BlockDevice, BdmDestinationType, BdmSourceType } from '../model/block-device.js'
import type { Db } from './instances-repo.js'
import type { BlockDeviceMappingTable } from './schema.js'

function fromRow(r: Selectable<BlockDeviceMappingTable>): BlockDevice {
  return {
    uuid: r.uuid,
    instanceUuid: r.instance_uuid,
    sourceType: r.source_type as BdmSourceType,
    destinationType: r.destination_type as BdmDestinationType,
    deviceName: r.device_name,
    bootIndex: r.boot_index === null ? null : Number(r.boot_index),
    volumeId: r.volume_id,
    attachmentId: r.attachment_id,
    imageId: r.image_id,
    snapshotId: r.snapshot_id,
    volumeSize: r.volume_size === null ? null : Number(r.volume_size),
    volumeType: r.volume_type,
    deleteOnTermination: Number(r.delete_on_termination) === 1,
    tag: r.tag,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

type Changes = Partial<
  Pick<
    BlockDevice,
    'volumeId' | 'attachmentId' | 'deviceName' | 'deleteOnTermination' | 'updatedAt'
  >
>

function toColumns(c: Changes): Partial<BlockDeviceMappingTable> {
  const out: Partial<BlockDeviceMappingTable> = {}
  if (c.volumeId !== undefined) out.volume_id = c.volumeId
  if (c.attachmentId !== undefined) out.attachment_id = c.attachmentId
  if (c.deviceName !== undefined) out.device_name = c.deviceName
  if (c.deleteOnTermination !== undefined) out.delete_on_termination = c.deleteOnTermination ? 1 : 0
  if (c.updatedAt !== undefined) out.updated_at = c.updatedAt
  return out
}

export async function createBlockDevice(db: Db, bdm: BlockDevice): Promise<void> {
  await db
    .insertInto('block_device_mapping')
    .values({
      uuid: bdm.uuid,
      instance_uuid: bdm.instanceUuid,
      source_type: bdm.sourceType,
      destination_type: bdm.destinationType,
      device_name: bdm.deviceName,
      boot_index: bdm.bootIndex,
      volume_id: bdm.volumeId,
      attachment_id: bdm.attachmentId,
      image_id: bdm.imageId,
      snapshot_id: bdm.snapshotId,
      volume_size: bdm.volumeSize,
      volume_type: bdm.volumeType,
      delete_on_termination: bdm.deleteOnTermination ? 1 : 0,
      tag: bdm.tag,
      created_at: bdm.createdAt,
      updated_at: bdm.updatedAt,
    })
    .execute()
}

/** The mappings of the given servers, boot device first, then by device name. */
export async function listBlockDevices(db: Db, instanceUuids: string[]): Promise<BlockDevice[]> {
  if (instanceUuids.length === 0) return []
  const rows = await db
    .selectFrom('block_device_mapping')
    .selectAll()
    .where('instance_uuid', 'in', instanceUuids)
    .orderBy('created_at')
    .orderBy('device_name')
    .execute()
  return rows.map(fromRow)
}

export async function getBlockDevice(db: Db, uuid: string): Promise<BlockDevice | undefined> {
  const row = await db
    .selectFrom('block_device_mapping')
    .selectAll()
    .where('uuid', '=', uuid)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

/** Updates a mapping; with `expectAttachment`, only while it still holds that attachment. */
export async function updateBlockDevice(
  db: Db,
  uuid: string,
  changes: Changes,
  expectAttachment?: string | null,
): Promise<boolean> {
  let q = db.updateTable('block_device_mapping').set(toColumns(changes)).where('uuid', '=', uuid)
  if (expectAttachment !== undefined) {
    q =
      expectAttachment === null
        ? q.where('attachment_id', 'is', null)
        : q.where('attachment_id', '=', expectAttachment)
  }
  const r = await q.executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

export async function deleteBlockDevice(db: Db, uuid: string): Promise<void> {
  await db.deleteFrom('block_device_mapping').where('uuid', '=', uuid).execute()
}

export async function deleteBlockDevicesOf(db: Db, instanceUuid: string): Promise<void> {
  await db.deleteFrom('block_device_mapping').where('instance_uuid', '=', instanceUuid).execute()
}

/** Replaces what a host's driver is recorded to support. */
export async function setHostCapabilities(
  db: Db,
  host: string,
  capabilities: readonly string[],
): Promise<void> {
  const known = await hostCapabilities(db, host)
  const same = known.size === capabilities.length && capabilities.every((c) => known.has(c))
  if (same) return
  await db.deleteFrom('host_capability').where('host', '=', host).execute()
  if (capabilities.length === 0) return
  await db
    .insertInto('host_capability')
    .values(capabilities.map((capability) => ({ host, capability })))
    .execute()
}

export async function hostCapabilities(db: Db, host: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('host_capability')
    .select('capability')
    .where('host', '=', host)
    .execute()
  return new Set(rows.map((r) => r.capability))
}
