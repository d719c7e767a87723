/** @module block-storage/db/records-repo: quotas, messages and service heartbeats */
import type { Kysely, Transaction } from 'kysely'
import { parseJsonColumn, toBool } from '../../core/db/index.js'
import type { BlockStorageDatabase, MessageTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

/** A project's explicit limits by resource (`volumes`, `gigabytes_<type>`...). */
export async function getQuotas(db: Db, projectId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('quota')
    .selectAll()
    .where('project_id', '=', projectId)
    .execute()
  return Object.fromEntries(rows.map((r) => [r.resource, Number(r.hard_limit)]))
}

export async function setQuota(db: Db, projectId: string, resource: string, limit: number) {
  const updated = await db
    .updateTable('quota')
    .set({ hard_limit: limit })
    .where('project_id', '=', projectId)
    .where('resource', '=', resource)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) === 0)
    await db
      .insertInto('quota')
      .values({ project_id: projectId, resource, hard_limit: limit })
      .execute()
}

export async function deleteQuotas(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('quota').where('project_id', '=', projectId).execute()
}

export type Message = MessageTable

export async function createMessage(db: Db, m: Message): Promise<void> {
  await db.insertInto('message').values(m).execute()
}

export async function listMessages(db: Db, projectId?: string): Promise<Message[]> {
  let q = db.selectFrom('message').selectAll().orderBy('created_at', 'desc')
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return q.execute()
}

export async function deleteMessage(db: Db, id: string): Promise<void> {
  await db.deleteFrom('message').where('id', '=', id).execute()
}

/** A unit as `os-services` shows it. */
export interface ServiceRecord {
  id: string
  host: string
  binary: string
  zone: string
  disabled: boolean
  disabledReason: string | null
  /** An admin froze the backend: its volumes and snapshots may not be changed. */
  frozen: boolean
  stats: Record<string, unknown>
  createdAt: string
  updatedAt: string
}

export async function listServices(db: Db): Promise<ServiceRecord[]> {
  const rows = await db.selectFrom('service').selectAll().orderBy('binary').execute()
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    binary: r.binary,
    zone: r.zone,
    disabled: toBool(r.disabled),
    disabledReason: r.disabled_reason,
    frozen: toBool(r.frozen),
    stats: parseJsonColumn(r.stats, {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }))
}

/** Records a heartbeat (and the backend's stats when given), creating the row the first time. */
export async function upsertService(
  db: Db,
  s: { id: string; host: string; binary: string; zone: string; at: string; stats?: unknown },
): Promise<void> {
  const set = {
    updated_at: s.at,
    zone: s.zone,
    ...(s.stats !== undefined ? { stats: JSON.stringify(s.stats) } : {}),
  }
  const r = await db
    .updateTable('service')
    .set(set)
    .where('host', '=', s.host)
    .where('binary', '=', s.binary)
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) > 0) return
  await db
    .insertInto('service')
    .values({
      id: s.id,
      host: s.host,
      binary: s.binary,
      zone: s.zone,
      disabled: 0,
      disabled_reason: null,
      frozen: 0,
      stats: JSON.stringify(s.stats ?? {}),
      created_at: s.at,
      updated_at: s.at,
    })
    .execute()
}

export async function setServiceDisabled(
  db: Db,
  where: { host: string; binary: string },
  disabled: boolean,
  reason: string | null,
): Promise<boolean> {
  const r = await db
    .updateTable('service')
    .set({ disabled: disabled ? 1 : 0, disabled_reason: reason })
    .where('host', '=', where.host)
    .where('binary', '=', where.binary)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/**
 * Freezes (or thaws) a service compare-and-swap: only a service whose `frozen` is the opposite
 * changes, and it is disabled with the reason `frozen` (or enabled again); false when none did.
 */
export async function setServiceFrozen(
  db: Db,
  where: { host: string; binary: string },
  frozen: boolean,
): Promise<boolean> {
  const r = await db
    .updateTable('service')
    .set({
      frozen: frozen ? 1 : 0,
      disabled: frozen ? 1 : 0,
      disabled_reason: frozen ? 'frozen' : '',
    })
    .where('host', '=', where.host)
    .where('binary', '=', where.binary)
    .where('frozen', '=', frozen ? 0 : 1)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}
