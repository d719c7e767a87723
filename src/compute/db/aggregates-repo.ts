/** @module compute/db/aggregates-repo: host aggregates, their hosts and metadata */
import type { Db } from './instances-repo.js'

/** An aggregate as the service layer sees it. */
export interface Aggregate {
  id: number
  uuid: string
  name: string
  hosts: string[]
  metadata: Record<string, string>
  createdAt: string
  updatedAt: string | null
}

export async function listAggregates(db: Db): Promise<Aggregate[]> {
  const rows = await db.selectFrom('aggregate').selectAll().orderBy('id').execute()
  const hosts = await db.selectFrom('aggregate_host').selectAll().execute()
  const meta = await db.selectFrom('aggregate_metadata').selectAll().execute()
  return rows.map((r) => ({
    id: Number(r.id),
    uuid: r.uuid,
    name: r.name,
    hosts: hosts.filter((h) => Number(h.aggregate_id) === Number(r.id)).map((h) => h.host),
    metadata: Object.fromEntries(
      meta
        .filter((m) => Number(m.aggregate_id) === Number(r.id))
        .map((m) => [m.meta_key, m.meta_value]),
    ),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }))
}

export async function insertAggregate(
  db: Db,
  a: { uuid: string; name: string; createdAt: string },
): Promise<number> {
  const max = await db
    .selectFrom('aggregate')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst()
  const id = Number(max?.id ?? 0) + 1
  await db
    .insertInto('aggregate')
    .values({ id, uuid: a.uuid, name: a.name, created_at: a.createdAt, updated_at: null })
    .execute()
  return id
}

export async function renameAggregate(db: Db, id: number, name: string, at: string) {
  await db.updateTable('aggregate').set({ name, updated_at: at }).where('id', '=', id).execute()
}

export async function removeAggregate(db: Db, id: number): Promise<void> {
  await db.deleteFrom('aggregate_metadata').where('aggregate_id', '=', id).execute()
  await db.deleteFrom('aggregate').where('id', '=', id).execute()
}

export async function addAggregateHost(db: Db, id: number, host: string): Promise<void> {
  await db.insertInto('aggregate_host').values({ aggregate_id: id, host }).execute()
}

export async function removeAggregateHost(db: Db, id: number, host: string): Promise<boolean> {
  const r = await db
    .deleteFrom('aggregate_host')
    .where('aggregate_id', '=', id)
    .where('host', '=', host)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

/** Sets keys; a null value removes the key. */
export async function setAggregateMetadata(
  db: Db,
  id: number,
  metadata: Record<string, string | null>,
): Promise<void> {
  for (const [key, value] of Object.entries(metadata)) {
    await db
      .deleteFrom('aggregate_metadata')
      .where('aggregate_id', '=', id)
      .where('meta_key', '=', key)
      .execute()
    if (value !== null) {
      await db
        .insertInto('aggregate_metadata')
        .values({ aggregate_id: id, meta_key: key, meta_value: value })
        .execute()
    }
  }
}
