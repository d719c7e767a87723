/** @module block-storage/db/snapshots-repo: snapshot rows as domain records */
import type { Kysely, Transaction } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { BlockStorageDatabase, SnapshotTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface Snapshot {
  id: string
  projectId: string
  userId: string
  volumeId: string
  name: string | null
  description: string | null
  size: number
  status: string
  progress: string
  metadata: Record<string, string>
  createdAt: string
  updatedAt: string | null
  /** The group snapshot it was taken as part of. */
  groupSnapshotId: string | null
}

function fromRow(r: SnapshotTable): Snapshot {
  return {
    id: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    volumeId: r.volume_id,
    name: r.name,
    description: r.description,
    size: Number(r.size),
    status: r.status,
    progress: r.progress,
    metadata: parseJsonColumn(r.metadata, {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    groupSnapshotId: r.group_snapshot_id,
  }
}

function toRow(s: Partial<Snapshot>): Partial<SnapshotTable> {
  const row: Partial<SnapshotTable> = {}
  if (s.id !== undefined) row.id = s.id
  if (s.projectId !== undefined) row.project_id = s.projectId
  if (s.userId !== undefined) row.user_id = s.userId
  if (s.volumeId !== undefined) row.volume_id = s.volumeId
  if (s.name !== undefined) row.name = s.name
  if (s.description !== undefined) row.description = s.description
  if (s.size !== undefined) row.size = s.size
  if (s.status !== undefined) row.status = s.status
  if (s.progress !== undefined) row.progress = s.progress
  if (s.metadata !== undefined) row.metadata = JSON.stringify(s.metadata)
  if (s.createdAt !== undefined) row.created_at = s.createdAt
  if (s.updatedAt !== undefined) row.updated_at = s.updatedAt
  if (s.groupSnapshotId !== undefined) row.group_snapshot_id = s.groupSnapshotId
  return row
}

export async function getSnapshot(db: Db, id: string): Promise<Snapshot | undefined> {
  const row = await db.selectFrom('snapshot').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

export async function listSnapshots(
  db: Db,
  filter: { projectId?: string; volumeId?: string; statuses?: string[] } = {},
): Promise<Snapshot[]> {
  let q = db.selectFrom('snapshot').selectAll()
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId)
  if (filter.volumeId !== undefined) q = q.where('volume_id', '=', filter.volumeId)
  if (filter.statuses) q = q.where('status', 'in', filter.statuses)
  return (await q.execute()).map(fromRow)
}

export async function createSnapshot(db: Db, s: Snapshot): Promise<void> {
  await db
    .insertInto('snapshot')
    .values(toRow(s) as SnapshotTable)
    .execute()
}

export async function updateSnapshot(
  db: Db,
  id: string,
  patch: Partial<Snapshot>,
  expectStatus?: readonly string[],
): Promise<boolean> {
  let q = db.updateTable('snapshot').set(toRow(patch)).where('id', '=', id)
  if (expectStatus) q = q.where('status', 'in', [...expectStatus])
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0
}

export async function deleteSnapshotRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('snapshot').where('id', '=', id).execute()
}
