/** @module network/db/standard-attrs: the columns and tags every Neutron resource shares */
import type { Kysely } from 'kysely'
import type { NetworkDatabase } from './schema.js'

/** The standard attributes of a resource, as the service layer sees them. */
export interface StandardAttrs {
  id: string
  projectId: string
  name: string
  description: string
  revisionNumber: number
  createdAt: string
  updatedAt: string
  tags: string[]
}

/** The standard columns of a row. */
export interface StandardRow {
  id: string
  project_id: string
  name: string
  description: string
  revision_number: number
  created_at: string
  updated_at: string
}

export function standardFromRow(row: StandardRow, tags: string[] = []): StandardAttrs {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    revisionNumber: Number(row.revision_number),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    tags,
  }
}

export function standardToRow(attrs: Omit<StandardAttrs, 'tags'>): StandardRow {
  return {
    id: attrs.id,
    project_id: attrs.projectId,
    name: attrs.name,
    description: attrs.description,
    revision_number: attrs.revisionNumber,
    created_at: attrs.createdAt,
    updated_at: attrs.updatedAt,
  }
}

/** Tags of many resources at once, sorted. */
export async function tagsOf(
  db: Kysely<NetworkDatabase>,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('resource_tag')
      .select(['resource_id', 'tag'])
      .where('resource_id', 'in', ids.slice(i, i + 500))
      .orderBy('tag')
      .execute()
    for (const row of rows) out.set(row.resource_id, [...(out.get(row.resource_id) ?? []), row.tag])
  }
  return out
}

/** Replaces the tags of a resource. */
export async function setTags(
  db: Kysely<NetworkDatabase>,
  id: string,
  tags: readonly string[],
): Promise<void> {
  await db.deleteFrom('resource_tag').where('resource_id', '=', id).execute()
  const unique = [...new Set(tags)]
  if (unique.length > 0) {
    await db
      .insertInto('resource_tag')
      .values(unique.map((tag) => ({ resource_id: id, tag })))
      .execute()
  }
}

/** Adds one tag, doing nothing when it is there already. */
export async function addTag(db: Kysely<NetworkDatabase>, id: string, tag: string): Promise<void> {
  const found = await db
    .selectFrom('resource_tag')
    .select('tag')
    .where('resource_id', '=', id)
    .where('tag', '=', tag)
    .executeTakeFirst()
  if (!found) await db.insertInto('resource_tag').values({ resource_id: id, tag }).execute()
}

/** Removes one tag; false when it was not there. */
export async function removeTag(
  db: Kysely<NetworkDatabase>,
  id: string,
  tag: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('resource_tag')
    .where('resource_id', '=', id)
    .where('tag', '=', tag)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** Removes every tag of a deleted resource. */
export async function dropTags(db: Kysely<NetworkDatabase>, id: string): Promise<void> {
  await db.deleteFrom('resource_tag').where('resource_id', '=', id).execute()
}
