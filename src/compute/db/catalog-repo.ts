/** @module compute/db/catalog-repo: flavors, key pairs, quotas and services */
import type { Selectable } from 'kysely'
import type { Flavor, Keypair } from '../model/flavor.js'
import type { Db } from './instances-repo.js'
import type { ComputeServiceTable, FlavorTable } from './schema.js'

function flavorFromRow(r: Selectable<FlavorTable>): Flavor {
  return {
    flavorid: r.flavorid,
    name: r.name,
    vcpus: Number(r.vcpus),
    memoryMb: Number(r.memory_mb),
    rootGb: Number(r.root_gb),
    ephemeralGb: Number(r.ephemeral_gb),
    swap: Number(r.swap),
    rxtxFactor: Number(r.rxtx_factor),
    isPublic: Number(r.is_public) !== 0,
    disabled: Number(r.disabled) !== 0,
    description: r.description,
    createdAt: r.created_at,
  }
}

export async function getFlavor(db: Db, flavorid: string): Promise<Flavor | undefined> {
  const r = await db
    .selectFrom('flavor')
    .selectAll()
    .where('flavorid', '=', flavorid)
    .executeTakeFirst()
  return r && flavorFromRow(r)
}

export async function listFlavors(db: Db): Promise<Flavor[]> {
  return (await db.selectFrom('flavor').selectAll().execute()).map(flavorFromRow)
}

export async function createFlavor(db: Db, f: Flavor): Promise<void> {
  await db
    .insertInto('flavor')
    .values({
      flavorid: f.flavorid,
      name: f.name,
      vcpus: f.vcpus,
      memory_mb: f.memoryMb,
      root_gb: f.rootGb,
      ephemeral_gb: f.ephemeralGb,
      swap: f.swap,
      rxtx_factor: f.rxtxFactor,
      is_public: f.isPublic ? 1 : 0,
      disabled: f.disabled ? 1 : 0,
      description: f.description,
      created_at: f.createdAt,
    })
    .execute()
}

export async function updateFlavorDescription(db: Db, id: string, text: string | null) {
  await db.updateTable('flavor').set({ description: text }).where('flavorid', '=', id).execute()
}

export async function deleteFlavor(db: Db, flavorid: string): Promise<void> {
  await db.deleteFrom('flavor_extra_spec').where('flavorid', '=', flavorid).execute()
  await db.deleteFrom('flavor_project').where('flavorid', '=', flavorid).execute()
  await db.deleteFrom('flavor').where('flavorid', '=', flavorid).execute()
}

export async function extraSpecs(db: Db, flavorid: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('flavor_extra_spec')
    .selectAll()
    .where('flavorid', '=', flavorid)
    .execute()
  return Object.fromEntries(rows.map((r) => [r.spec_key, r.spec_value]))
}

export async function setExtraSpec(db: Db, flavorid: string, key: string, value: string) {
  await db
    .deleteFrom('flavor_extra_spec')
    .where('flavorid', '=', flavorid)
    .where('spec_key', '=', key)
    .execute()
  await db
    .insertInto('flavor_extra_spec')
    .values({ flavorid, spec_key: key, spec_value: value })
    .execute()
}

export async function deleteExtraSpec(db: Db, flavorid: string, key: string): Promise<boolean> {
  const r = await db
    .deleteFrom('flavor_extra_spec')
    .where('flavorid', '=', flavorid)
    .where('spec_key', '=', key)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export async function flavorProjects(db: Db, flavorid: string): Promise<string[]> {
  const rows = await db
    .selectFrom('flavor_project')
    .select('project_id')
    .where('flavorid', '=', flavorid)
    .execute()
  return rows.map((r) => r.project_id)
}

export async function addFlavorProject(db: Db, flavorid: string, projectId: string) {
  await db.insertInto('flavor_project').values({ flavorid, project_id: projectId }).execute()
}

export async function removeFlavorProject(db: Db, flavorid: string, projectId: string) {
  const r = await db
    .deleteFrom('flavor_project')
    .where('flavorid', '=', flavorid)
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export async function flavorsOfProject(db: Db, projectId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('flavor_project')
    .select('flavorid')
    .where('project_id', '=', projectId)
    .execute()
  return new Set(rows.map((r) => r.flavorid))
}

export async function listKeypairs(db: Db, userId: string): Promise<Keypair[]> {
  const rows = await db
    .selectFrom('keypair')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('name')
    .execute()
  return rows.map((r) => ({
    userId: r.user_id,
    name: r.name,
    type: r.type as Keypair['type'],
    publicKey: r.public_key,
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
  }))
}

export async function createKeypair(db: Db, k: Keypair): Promise<void> {
  await db
    .insertInto('keypair')
    .values({
      user_id: k.userId,
      name: k.name,
      type: k.type,
      public_key: k.publicKey,
      fingerprint: k.fingerprint,
      created_at: k.createdAt,
    })
    .execute()
}

export async function deleteKeypair(db: Db, userId: string, name: string): Promise<boolean> {
  const r = await db
    .deleteFrom('keypair')
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export async function quotaOverrides(db: Db, projectId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('quota')
    .selectAll()
    .where('project_id', '=', projectId)
    .execute()
  return Object.fromEntries(rows.map((r) => [r.resource, Number(r.hard_limit)]))
}

export async function setQuota(db: Db, projectId: string, resource: string, limit: number) {
  await db
    .deleteFrom('quota')
    .where('project_id', '=', projectId)
    .where('resource', '=', resource)
    .execute()
  await db
    .insertInto('quota')
    .values({ project_id: projectId, resource, hard_limit: limit })
    .execute()
}

/** The limits a quota class sets, by resource. */
export async function quotaClassLimits(db: Db, className: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('quota_class')
    .selectAll()
    .where('class_name', '=', className)
    .execute()
  return Object.fromEntries(rows.map((r) => [r.resource, Number(r.hard_limit)]))
}

export async function setQuotaClassLimit(
  db: Db,
  className: string,
  resource: string,
  limit: number,
): Promise<void> {
  await db
    .deleteFrom('quota_class')
    .where('class_name', '=', className)
    .where('resource', '=', resource)
    .execute()
  await db
    .insertInto('quota_class')
    .values({ class_name: className, resource, hard_limit: limit })
    .execute()
}

export async function clearQuotas(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('quota').where('project_id', '=', projectId).execute()
}

export type ComputeServiceRow = Selectable<ComputeServiceTable>

export async function listServices(db: Db): Promise<ComputeServiceRow[]> {
  return db.selectFrom('compute_service').selectAll().orderBy('host').execute()
}

export async function upsertServiceHeartbeat(
  db: Db,
  row: { id: string; host: string; binary: string; at: string },
): Promise<void> {
  const r = await db
    .updateTable('compute_service')
    .set({ last_seen_at: row.at })
    .where('host', '=', row.host)
    .where('binary', '=', row.binary)
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) > 0) return
  await db
    .insertInto('compute_service')
    .values({
      id: row.id,
      host: row.host,
      binary: row.binary,
      disabled: 0,
      disabled_reason: null,
      forced_down: 0,
      last_seen_at: row.at,
      created_at: row.at,
      updated_at: row.at,
    })
    .execute()
}

export async function updateService(
  db: Db,
  id: string,
  changes: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean; at: string },
): Promise<void> {
  await db
    .updateTable('compute_service')
    .set({
      updated_at: changes.at,
      ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
      ...(changes.disabledReason !== undefined ? { disabled_reason: changes.disabledReason } : {}),
      ...(changes.forcedDown !== undefined ? { forced_down: changes.forcedDown ? 1 : 0 } : {}),
    })
    .where('id', '=', id)
    .execute()
}
