/** @module identity/db/groups-repo: groups and membership */
import type { Kysely, Selectable } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { GroupTable, IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface Group {
  id: string
  domainId: string
  name: string
  description: string
  extra: Record<string, unknown>
}

function fromRow(row: Selectable<GroupTable>): Group {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    description: row.description,
    extra: parseJsonColumn(row.extra, {}),
  }
}

export async function getGroup(db: Db, id: string): Promise<Group | undefined> {
  const row = await db.selectFrom('group').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export async function findGroupByName(
  db: Db,
  name: string,
  domainId: string,
): Promise<Group | undefined> {
  const row = await db
    .selectFrom('group')
    .selectAll()
    .where('name', '=', name)
    .where('domain_id', '=', domainId)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export interface GroupFilter {
  ids?: readonly string[]
  domainId?: string
  name?: string
}

export async function listGroups(db: Db, filter: GroupFilter): Promise<Group[]> {
  let query = db.selectFrom('group').selectAll()
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.domainId !== undefined) query = query.where('domain_id', '=', filter.domainId)
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  return (await query.orderBy('name').orderBy('id').execute()).map(fromRow)
}

export async function createGroup(db: Db, g: Group): Promise<void> {
  await db
    .insertInto('group')
    .values({
      id: g.id,
      domain_id: g.domainId,
      name: g.name,
      description: g.description,
      extra: JSON.stringify(g.extra),
    })
    .execute()
}

export async function updateGroup(db: Db, g: Group): Promise<void> {
  await db
    .updateTable('group')
    .set({ name: g.name, description: g.description, extra: JSON.stringify(g.extra) })
    .where('id', '=', g.id)
    .execute()
}

export async function deleteGroup(db: Db, id: string): Promise<void> {
  await db.deleteFrom('membership').where('group_id', '=', id).execute()
  await db.deleteFrom('group').where('id', '=', id).execute()
}

export async function addMember(db: Db, groupId: string, userId: string): Promise<void> {
  const exists = await db
    .selectFrom('membership')
    .select('user_id')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (!exists)
    await db.insertInto('membership').values({ group_id: groupId, user_id: userId }).execute()
}

export async function removeMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('membership')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function isMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('membership')
      .select('user_id')
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .executeTakeFirst()) !== undefined
  )
}

export async function listGroupIdsOfUser(db: Db, userId: string): Promise<string[]> {
  return (
    await db.selectFrom('membership').select('group_id').where('user_id', '=', userId).execute()
  ).map((r) => r.group_id)
}

export async function listUserIdsInGroup(db: Db, groupId: string): Promise<string[]> {
  return (
    await db.selectFrom('membership').select('user_id').where('group_id', '=', groupId).execute()
  ).map((r) => r.user_id)
}
