/** @module network/db/policies-repo: subnet pools, RBAC policies and quotas */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { NetworkDatabase, RbacPolicyTable, SubnetPoolTable } from './schema.js'
import { standardFromRow, standardToRow, tagsOf, type StandardAttrs } from './standard-attrs.js'

type Db = Kysely<NetworkDatabase>

export interface SubnetPool extends StandardAttrs {
  ipVersion: 4 | 6
  prefixes: string[]
  defaultPrefixlen: number
  minPrefixlen: number
  maxPrefixlen: number
  shared: boolean
  isDefault: boolean
  defaultQuota: number | null
  addressScopeId: string | null
}

function poolFromRow(row: Selectable<SubnetPoolTable>, tags: string[]): SubnetPool {
  return {
    ...standardFromRow(row, tags),
    ipVersion: Number(row.ip_version) === 6 ? 6 : 4,
    prefixes: parseJsonColumn(row.prefixes, []),
    defaultPrefixlen: Number(row.default_prefixlen),
    minPrefixlen: Number(row.min_prefixlen),
    maxPrefixlen: Number(row.max_prefixlen),
    shared: toBool(row.shared),
    isDefault: toBool(row.is_default),
    defaultQuota: row.default_quota === null ? null : Number(row.default_quota),
    addressScopeId: row.address_scope_id,
  }
}

function poolToRow(p: SubnetPool): SubnetPoolTable {
  return {
    ...standardToRow(p),
    ip_version: p.ipVersion,
    prefixes: JSON.stringify(p.prefixes),
    default_prefixlen: p.defaultPrefixlen,
    min_prefixlen: p.minPrefixlen,
    max_prefixlen: p.maxPrefixlen,
    shared: fromBool(p.shared),
    is_default: fromBool(p.isDefault),
    default_quota: p.defaultQuota,
    address_scope_id: p.addressScopeId,
  }
}

export async function getSubnetPool(db: Db, id: string): Promise<SubnetPool | undefined> {
  const row = await db.selectFrom('subnet_pool').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? poolFromRow(row, (await tagsOf(db, [id])).get(id) ?? []) : undefined
}

export async function listSubnetPools(
  db: Db,
  filter: { visibleTo?: string; isDefault?: boolean; ipVersion?: number } = {},
): Promise<SubnetPool[]> {
  let query = db.selectFrom('subnet_pool').selectAll()
  const visible = filter.visibleTo
  if (visible !== undefined) {
    query = query.where((eb) => eb.or([eb('project_id', '=', visible), eb('shared', '=', 1)]))
  }
  if (filter.isDefault !== undefined)
    query = query.where('is_default', '=', fromBool(filter.isDefault))
  if (filter.ipVersion !== undefined) query = query.where('ip_version', '=', filter.ipVersion)
  const rows = await query.orderBy('created_at').orderBy('id').execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => poolFromRow(r, tags.get(r.id) ?? []))
}

export async function insertSubnetPool(db: Db, pool: SubnetPool): Promise<void> {
  await db.insertInto('subnet_pool').values(poolToRow(pool)).execute()
}

export async function updateSubnetPool(
  db: Db,
  pool: SubnetPool,
  expectRevision: number,
): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = poolToRow(pool)
  const result = await db
    .updateTable('subnet_pool')
    .set(row)
    .where('id', '=', pool.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deleteSubnetPool(db: Db, id: string): Promise<void> {
  await db.deleteFrom('subnet_pool').where('id', '=', id).execute()
}

export interface RbacPolicy {
  id: string
  projectId: string
  objectType: string
  objectId: string
  action: string
  targetProject: string
}

function rbacFromRow(row: Selectable<RbacPolicyTable>): RbacPolicy {
  return {
    id: row.id,
    projectId: row.project_id,
    objectType: row.object_type,
    objectId: row.object_id,
    action: row.action,
    targetProject: row.target_project,
  }
}

export async function getRbacPolicy(db: Db, id: string): Promise<RbacPolicy | undefined> {
  const row = await db.selectFrom('rbac_policy').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? rbacFromRow(row) : undefined
}

export async function listRbacPolicies(
  db: Db,
  filter: { objectId?: string; targetProject?: string; action?: string } = {},
): Promise<RbacPolicy[]> {
  let query = db.selectFrom('rbac_policy').selectAll()
  if (filter.objectId !== undefined) query = query.where('object_id', '=', filter.objectId)
  if (filter.targetProject !== undefined)
    query = query.where('target_project', '=', filter.targetProject)
  if (filter.action !== undefined) query = query.where('action', '=', filter.action)
  return (await query.orderBy('id').execute()).map(rbacFromRow)
}

/** Network ids shared with a project by a targeted policy (`action`). */
export async function networksGrantedTo(db: Db, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('rbac_policy')
    .select('object_id')
    .where('object_type', '=', 'network')
    .where('target_project', '=', projectId)
    .execute()
  return rows.map((r) => r.object_id)
}

export async function insertRbacPolicy(db: Db, policy: RbacPolicy): Promise<void> {
  await db
    .insertInto('rbac_policy')
    .values({
      id: policy.id,
      project_id: policy.projectId,
      object_type: policy.objectType,
      object_id: policy.objectId,
      action: policy.action,
      target_project: policy.targetProject,
    })
    .execute()
}

export async function updateRbacTarget(db: Db, id: string, target: string): Promise<void> {
  await db.updateTable('rbac_policy').set({ target_project: target }).where('id', '=', id).execute()
}

export async function deleteRbacPolicy(db: Db, id: string): Promise<void> {
  await db.deleteFrom('rbac_policy').where('id', '=', id).execute()
}

export async function deleteRbacOf(db: Db, objectId: string): Promise<void> {
  await db.deleteFrom('rbac_policy').where('object_id', '=', objectId).execute()
}

/** The limits a project was given explicitly. */
export async function quotasOf(db: Db, projectId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('quota')
    .selectAll()
    .where('project_id', '=', projectId)
    .execute()
  return new Map(rows.map((r) => [r.resource, Number(r.hard_limit)]))
}

/** Every project with explicit limits. */
export async function projectsWithQuotas(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('quota').select('project_id').distinct().execute()
  return rows.map((r) => r.project_id)
}

export async function setQuota(
  db: Db,
  projectId: string,
  resource: string,
  limit: number,
): Promise<void> {
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

export async function clearQuotas(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('quota').where('project_id', '=', projectId).execute()
}
