/** @module block-storage/db/groups-repo: generic volume groups and group snapshots */
import type { Kysely, Transaction } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { BlockStorageDatabase, GroupSnapshotTable, VolumeGroupTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface VolumeGroup {
  id: string
  projectId: string
  userId: string
  name: string | null
  description: string | null
  status: string
  availabilityZone: string
  groupTypeId: string
  volumeTypeIds: string[]
  groupSnapshotId: string | null
  sourceGroupId: string | null
  createdAt: string
  updatedAt: string | null
}

export interface GroupSnapshot {
  id: string
  projectId: string
  userId: string
  groupId: string
  groupTypeId: string
  name: string | null
  description: string | null
  status: string
  createdAt: string
  updatedAt: string | null
}

function groupFromRow(r: VolumeGroupTable): VolumeGroup {
  return {
    id: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    name: r.name,
    description: r.description,
    status: r.status,
    availabilityZone: r.availability_zone,
    groupTypeId: r.group_type_id,
    volumeTypeIds: parseJsonColumn(r.volume_type_ids, []),
    groupSnapshotId: r.group_snapshot_id,
    sourceGroupId: r.source_group_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

function snapshotFromRow(r: GroupSnapshotTable): GroupSnapshot {
  return {
    id: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    groupId: r.group_id,
    groupTypeId: r.group_type_id,
    name: r.name,
    description: r.description,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export async function getGroup(db: Db, id: string): Promise<VolumeGroup | undefined> {
  const row = await db
    .selectFrom('volume_group')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  return row && groupFromRow(row)
}

export async function listGroups(
  db: Db,
  filter: { projectId?: string; groupTypeId?: string } = {},
): Promise<VolumeGroup[]> {
  let q = db.selectFrom('volume_group').selectAll()
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId)
  if (filter.groupTypeId !== undefined) q = q.where('group_type_id', '=', filter.groupTypeId)
  return (await q.orderBy('created_at', 'desc').execute()).map(groupFromRow)
}

export async function createGroup(db: Db, g: VolumeGroup): Promise<void> {
  await db
    .insertInto('volume_group')
    .values({
      id: g.id,
      project_id: g.projectId,
      user_id: g.userId,
      name: g.name,
      description: g.description,
      status: g.status,
      availability_zone: g.availabilityZone,
      group_type_id: g.groupTypeId,
      volume_type_ids: JSON.stringify(g.volumeTypeIds),
      group_snapshot_id: g.groupSnapshotId,
      source_group_id: g.sourceGroupId,
      created_at: g.createdAt,
      updated_at: g.updatedAt,
    })
    .execute()
}

/** Changes a group; with `expectStatus` only while its status is one of those. */
export async function updateGroup(
  db: Db,
  id: string,
  patch: Partial<Pick<VolumeGroup, 'name' | 'description' | 'status'>> & { updatedAt: string },
  expectStatus?: readonly string[],
): Promise<boolean> {
  let q = db
    .updateTable('volume_group')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      updated_at: patch.updatedAt,
    })
    .where('id', '=', id)
  if (expectStatus) q = q.where('status', 'in', [...expectStatus])
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0
}

export async function deleteGroupRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('volume_group').where('id', '=', id).execute()
}

export async function getGroupSnapshot(db: Db, id: string): Promise<GroupSnapshot | undefined> {
  const row = await db
    .selectFrom('group_snapshot')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  return row && snapshotFromRow(row)
}

export async function listGroupSnapshots(
  db: Db,
  filter: { projectId?: string; groupId?: string } = {},
): Promise<GroupSnapshot[]> {
  let q = db.selectFrom('group_snapshot').selectAll()
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId)
  if (filter.groupId !== undefined) q = q.where('group_id', '=', filter.groupId)
  return (await q.orderBy('created_at', 'desc').execute()).map(snapshotFromRow)
}

export async function createGroupSnapshot(db: Db, s: GroupSnapshot): Promise<void> {
  await db
    .insertInto('group_snapshot')
    .values({
      id: s.id,
      project_id: s.projectId,
      user_id: s.userId,
      group_id: s.groupId,
      group_type_id: s.groupTypeId,
      name: s.name,
      description: s.description,
      status: s.status,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    })
    .execute()
}

export async function updateGroupSnapshot(
  db: Db,
  id: string,
  patch: { status?: string; name?: string | null; description?: string | null; updatedAt: string },
  expectStatus?: readonly string[],
): Promise<boolean> {
  let q = db
    .updateTable('group_snapshot')
    .set({
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      updated_at: patch.updatedAt,
    })
    .where('id', '=', id)
  if (expectStatus) q = q.where('status', 'in', [...expectStatus])
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0
}

export async function deleteGroupSnapshotRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('group_snapshot').where('id', '=', id).execute()
}
