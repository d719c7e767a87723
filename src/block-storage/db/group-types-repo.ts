/** @module block-storage/db/group-types-repo: group types and their group specs */
import type { Kysely, Transaction } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { BlockStorageDatabase, GroupTypeTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface GroupType {
  id: string
  name: string
  description: string | null
  isPublic: boolean
  groupSpecs: Record<string, string>
  createdAt: string
  updatedAt: string | null
}

function fromRow(r: GroupTypeTable): GroupType {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    isPublic: toBool(r.is_public),
    groupSpecs: parseJsonColumn(r.group_specs, {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export async function getGroupType(db: Db, id: string): Promise<GroupType | undefined> {
  const row = await db.selectFrom('group_type').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

export async function getGroupTypeByName(db: Db, name: string): Promise<GroupType | undefined> {
  const row = await db
    .selectFrom('group_type')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst()
  return row && fromRow(row)
}

export async function listGroupTypes(db: Db): Promise<GroupType[]> {
  return (await db.selectFrom('group_type').selectAll().orderBy('name').execute()).map(fromRow)
}

export async function createGroupType(db: Db, t: GroupType): Promise<void> {
  await db
    .insertInto('group_type')
    .values({
      id: t.id,
      name: t.name,
      description: t.description,
      is_public: fromBool(t.isPublic),
      group_specs: JSON.stringify(t.groupSpecs),
      created_at: t.createdAt,
      updated_at: t.updatedAt,
    })
    .execute()
}

export async function updateGroupType(
  db: Db,
  id: string,
  patch: Partial<Pick<GroupType, 'name' | 'description' | 'isPublic' | 'groupSpecs'>> & {
    updatedAt: string
  },
): Promise<void> {
  const row: Partial<GroupTypeTable> = { updated_at: patch.updatedAt }
  if (patch.name !== undefined) row.name = patch.name
  if (patch.description !== undefined) row.description = patch.description
  if (patch.isPublic !== undefined) row.is_public = fromBool(patch.isPublic)
  if (patch.groupSpecs !== undefined) row.group_specs = JSON.stringify(patch.groupSpecs)
  await db.updateTable('group_type').set(row).where('id', '=', id).execute()
}

export async function deleteGroupTypeRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('group_type').where('id', '=', id).execute()
}
