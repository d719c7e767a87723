/** @module block-storage/db/attachments-repo: attachment rows as domain records */
import type { Kysely, Transaction } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { AttachmentTable, BlockStorageDatabase } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface Attachment {
  id: string
  volumeId: string
  projectId: string
  instanceUuid: string | null
  attachedHost: string | null
  mountpoint: string | null
  attachMode: string
  /** reserved, attaching, attached, detaching, detached, error_attaching, error_detaching */
  attachStatus: string
  connector: Record<string, unknown> | null
  connectionInfo: Record<string, unknown> | null
  attachTime: string | null
  detachTime: string | null
  createdAt: string
  updatedAt: string | null
}

function fromRow(r: AttachmentTable): Attachment {
  return {
    id: r.id,
    volumeId: r.volume_id,
    projectId: r.project_id,
    instanceUuid: r.instance_uuid,
    attachedHost: r.attached_host,
    mountpoint: r.mountpoint,
    attachMode: r.attach_mode,
    attachStatus: r.attach_status,
    connector: r.connector ? parseJsonColumn(r.connector, {}) : null,
    connectionInfo: r.connection_info ? parseJsonColumn(r.connection_info, {}) : null,
    attachTime: r.attach_time,
    detachTime: r.detach_time,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

function toRow(a: Partial<Attachment>): Partial<AttachmentTable> {
  const row: Partial<AttachmentTable> = {}
  if (a.id !== undefined) row.id = a.id
  if (a.volumeId !== undefined) row.volume_id = a.volumeId
  if (a.projectId !== undefined) row.project_id = a.projectId
  if (a.instanceUuid !== undefined) row.instance_uuid = a.instanceUuid
  if (a.attachedHost !== undefined) row.attached_host = a.attachedHost
  if (a.mountpoint !== undefined) row.mountpoint = a.mountpoint
  if (a.attachMode !== undefined) row.attach_mode = a.attachMode
  if (a.attachStatus !== undefined) row.attach_status = a.attachStatus
  if (a.connector !== undefined) row.connector = a.connector ? JSON.stringify(a.connector) : ''
  if (a.connectionInfo !== undefined)
    row.connection_info = a.connectionInfo ? JSON.stringify(a.connectionInfo) : ''
  if (a.attachTime !== undefined) row.attach_time = a.attachTime
  if (a.detachTime !== undefined) row.detach_time = a.detachTime
  if (a.createdAt !== undefined) row.created_at = a.createdAt
  if (a.updatedAt !== undefined) row.updated_at = a.updatedAt
  return row
}

export async function getAttachment(db: Db, id: string): Promise<Attachment | undefined> {
  const row = await db.selectFrom('attachment').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

export async function listAttachments(
  db: Db,
  filter: { volumeId?: string; projectId?: string } = {},
): Promise<Attachment[]> {
  let q = db.selectFrom('attachment').selectAll().orderBy('created_at')
  if (filter.volumeId !== undefined) q = q.where('volume_id', '=', filter.volumeId)
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId)
  return (await q.execute()).map(fromRow)
}

export async function createAttachment(db: Db, a: Attachment): Promise<void> {
  await db
    .insertInto('attachment')
    .values(toRow(a) as AttachmentTable)
    .execute()
}

export async function updateAttachment(db: Db, id: string, patch: Partial<Attachment>) {
  await db.updateTable('attachment').set(toRow(patch)).where('id', '=', id).execute()
}

export async function deleteAttachmentRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('attachment').where('id', '=', id).execute()
}
