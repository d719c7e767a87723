/** @module block-storage/db/volumes-repo: volume rows as domain records */
import type { Kysely, Transaction } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { BlockStorageDatabase, VolumeTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

/** A volume as the service sees it. */
export interface Volume {
  id: string
  projectId: string
  userId: string
  name: string | null
  description: string | null
  size: number
  status: string
  attachStatus: string
  previousStatus: string | null
  availabilityZone: string
  volumeTypeId: string
  snapshotId: string | null
  sourceVolid: string | null
  host: string | null
  bootable: boolean
  multiattach: boolean
  metadata: Record<string, string>
  adminMetadata: Record<string, string>
  imageMetadata: Record<string, string> | null
  createdAt: string
  updatedAt: string | null
  launchedAt: string | null
  /** The generic volume group it belongs to. */
  groupId: string | null
}

function fromRow(r: VolumeTable): Volume {
  return {
    id: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    name: r.name,
    description: r.description,
    size: Number(r.size),
    status: r.status,
    attachStatus: r.attach_status,
    previousStatus: r.previous_status,
    availabilityZone: r.availability_zone,
    volumeTypeId: r.volume_type_id,
    snapshotId: r.snapshot_id,
    sourceVolid: r.source_volid,
    host: r.host,
    bootable: toBool(r.bootable),
    multiattach: toBool(r.multiattach),
    metadata: parseJsonColumn(r.metadata, {}),
    adminMetadata: parseJsonColumn(r.admin_metadata, {}),
    imageMetadata: r.image_metadata ? parseJsonColumn(r.image_metadata, {}) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    launchedAt: r.launched_at,
    groupId: r.group_id,
  }
}

/** The columns a domain patch changes. */
function toRow(v: Partial<Volume>): Partial<VolumeTable> {
  const row: Partial<VolumeTable> = {}
  if (v.projectId !== undefined) row.project_id = v.projectId
  if (v.userId !== undefined) row.user_id = v.userId
  if (v.name !== undefined) row.name = v.name
  if (v.description !== undefined) row.description = v.description
  if (v.size !== undefined) row.size = v.size
  if (v.status !== undefined) row.status = v.status
  if (v.attachStatus !== undefined) row.attach_status = v.attachStatus
  if (v.previousStatus !== undefined) row.previous_status = v.previousStatus
  if (v.availabilityZone !== undefined) row.availability_zone = v.availabilityZone
  if (v.volumeTypeId !== undefined) row.volume_type_id = v.volumeTypeId
  if (v.snapshotId !== undefined) row.snapshot_id = v.snapshotId
  if (v.sourceVolid !== undefined) row.source_volid = v.sourceVolid
  if (v.host !== undefined) row.host = v.host
  if (v.bootable !== undefined) row.bootable = fromBool(v.bootable)
  if (v.multiattach !== undefined) row.multiattach = fromBool(v.multiattach)
  if (v.metadata !== undefined) row.metadata = JSON.stringify(v.metadata)
  if (v.adminMetadata !== undefined) row.admin_metadata = JSON.stringify(v.adminMetadata)
  if (v.imageMetadata !== undefined)
    row.image_metadata = v.imageMetadata ? JSON.stringify(v.imageMetadata) : ''
  if (v.createdAt !== undefined) row.created_at = v.createdAt
  if (v.updatedAt !== undefined) row.updated_at = v.updatedAt
  if (v.launchedAt !== undefined) row.launched_at = v.launchedAt
  if (v.groupId !== undefined) row.group_id = v.groupId
  return row
}

export async function getVolume(db: Db, id: string): Promise<Volume | undefined> {
  const row = await db.selectFrom('volume').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

/** Every volume, or one project's. */
export async function listVolumes(db: Db, projectId?: string): Promise<Volume[]> {
  let q = db.selectFrom('volume').selectAll()
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return (await q.execute()).map(fromRow)
}

/** Volumes in any of `statuses` (recovery after a restart). */
export async function listVolumesInStatus(db: Db, statuses: string[]): Promise<Volume[]> {
  if (statuses.length === 0) return []
  const rows = await db.selectFrom('volume').selectAll().where('status', 'in', statuses).execute()
  return rows.map(fromRow)
}

export async function createVolume(db: Db, volume: Volume): Promise<void> {
  await db
    .insertInto('volume')
    .values({ ...(toRow(volume) as VolumeTable), id: volume.id })
    .execute()
}

/**
 * Changes a volume; with `expectStatus` only while its status is one of those (compare and
 * swap). Returns whether a row changed.
 */
export async function updateVolume(
  db: Db,
  id: string,
  patch: Partial<Volume>,
  expectStatus?: readonly string[],
): Promise<boolean> {
  let q = db.updateTable('volume').set(toRow(patch)).where('id', '=', id)
  if (expectStatus) q = q.where('status', 'in', [...expectStatus])
  const r = await q.executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

export async function deleteVolumeRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('volume').where('id', '=', id).execute()
}
