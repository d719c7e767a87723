/** @module compute/db/migrations-repo: migration records (resize, cold/live migration, evacuation) */
import type { Selectable } from 'kysely'
import type { Db } from './instances-repo.js'
import type { MigrationTable } from './schema.js'

export const MIGRATION_TYPES = ['resize', 'migration', 'live-migration', 'evacuation'] as const
export type MigrationType = (typeof MIGRATION_TYPES)[number]

/** A move of a server between hosts or flavors, as `os-migrations` shows it. */
export interface MigrationRecord {
  id: number
  uuid: string
  instanceUuid: string
  migrationType: MigrationType
  status: string
  sourceCompute: string | null
  sourceNode: string | null
  destCompute: string | null
  destNode: string | null
  destHost: string | null
  oldFlavorId: string | null
  newFlavorId: string | null
  projectId: string
  userId: string
  createdAt: string
  updatedAt: string | null
}

function fromRow(r: Selectable<MigrationTable>): MigrationRecord {
  return {
    id: Number(r.id),
    uuid: r.uuid,
    instanceUuid: r.instance_uuid,
    migrationType: r.migration_type as MigrationType,
    status: r.status,
    sourceCompute: r.source_compute,
    sourceNode: r.source_node,
    destCompute: r.dest_compute,
    destNode: r.dest_node,
    destHost: r.dest_host,
    oldFlavorId: r.old_flavor_id,
    newFlavorId: r.new_flavor_id,
    projectId: r.project_id,
    userId: r.user_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

/** Records a migration; its integer id is the next free one. */
export async function createMigration(
  db: Db,
  m: Omit<MigrationRecord, 'id' | 'updatedAt'>,
): Promise<MigrationRecord> {
  for (let attempt = 0; ; attempt++) {
    const max = await db
      .selectFrom('migration')
      .select((eb) => eb.fn.max<number>('id').as('id'))
      .executeTakeFirst()
    const id = Number(max?.id ?? 0) + 1
    try {
      await db
        .insertInto('migration')
        .values({
          id,
          uuid: m.uuid,
          instance_uuid: m.instanceUuid,
          migration_type: m.migrationType,
          status: m.status,
          source_compute: m.sourceCompute,
          source_node: m.sourceNode,
          dest_compute: m.destCompute,
          dest_node: m.destNode,
          dest_host: m.destHost,
          old_flavor_id: m.oldFlavorId,
          new_flavor_id: m.newFlavorId,
          project_id: m.projectId,
          user_id: m.userId,
          created_at: m.createdAt,
          updated_at: null,
        })
        .execute()
      return { ...m, id, updatedAt: null }
    } catch (error) {
      // Two inserts raced for the same id: take the next one.
      if (attempt >= 5) throw error
    }
  }
}

export async function getMigration(db: Db, uuid: string): Promise<MigrationRecord | undefined> {
  const row = await db
    .selectFrom('migration')
    .selectAll()
    .where('uuid', '=', uuid)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

/** The migration `id` of server `instanceUuid`, if there is one. */
export async function getMigrationOfInstance(
  db: Db,
  id: number,
  instanceUuid: string,
): Promise<MigrationRecord | undefined> {
  const row = await db
    .selectFrom('migration')
    .selectAll()
    .where('id', '=', id)
    .where('instance_uuid', '=', instanceUuid)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

/**
 * Changes a migration's status or destination; the time is always set. With `expectStatus`
 * the change is a compare-and-swap: made only while the status is one of those (false if not).
 */
export async function updateMigration(
  db: Db,
  uuid: string,
  changes: Partial<Pick<MigrationRecord, 'status' | 'destCompute' | 'destNode' | 'destHost'>>,
  at: string,
  expectStatus?: readonly string[],
): Promise<boolean> {
  let q = db
    .updateTable('migration')
    .set({
      updated_at: at,
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.destCompute !== undefined ? { dest_compute: changes.destCompute } : {}),
      ...(changes.destNode !== undefined ? { dest_node: changes.destNode } : {}),
      ...(changes.destHost !== undefined ? { dest_host: changes.destHost } : {}),
    })
    .where('uuid', '=', uuid)
  if (expectStatus !== undefined) q = q.where('status', 'in', [...expectStatus])
  const r = await q.executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

export interface MigrationFilter {
  instanceUuid?: string
  status?: string
  migrationType?: string
  /** Source or destination compute. */
  host?: string
  sourceCompute?: string
  projectId?: string
  userId?: string
  changesSince?: string
  changesBefore?: string
}

/** Migrations, newest first (as Nova lists them: created_at, then id, descending). */
export async function listMigrations(db: Db, f: MigrationFilter): Promise<MigrationRecord[]> {
  let q = db.selectFrom('migration').selectAll()
  if (f.instanceUuid !== undefined) q = q.where('instance_uuid', '=', f.instanceUuid)
  if (f.status !== undefined) q = q.where('status', '=', f.status)
  if (f.migrationType !== undefined) q = q.where('migration_type', '=', f.migrationType)
  if (f.sourceCompute !== undefined) q = q.where('source_compute', '=', f.sourceCompute)
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId)
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId)
  const host = f.host
  if (host !== undefined) {
    q = q.where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]))
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
  return rows
    .map(fromRow)
    .filter((m) => !f.changesSince || (m.updatedAt ?? m.createdAt) >= f.changesSince)
    .filter((m) => !f.changesBefore || (m.updatedAt ?? m.createdAt) <= f.changesBefore)
}
