/** @module identity/db/roles-repo: roles and implied roles */
import type { Kysely, Selectable } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import { GLOBAL_ROLE_DOMAIN, type IdentityDatabase, type RoleTable } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface Role {
  id: string
  name: string
  domainId: string | null
  description: string
  options: Record<string, unknown>
  extra: Record<string, unknown>
}

function fromRow(row: Selectable<RoleTable>): Role {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id === GLOBAL_ROLE_DOMAIN ? null : row.domain_id,
    description: row.description,
    options: parseJsonColumn(row.options, {}),
    extra: parseJsonColumn(row.extra, {}),
  }
}

export async function getRole(db: Db, id: string): Promise<Role | undefined> {
  const row = await db.selectFrom('role').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export async function findRoleByName(
  db: Db,
  name: string,
  domainId: string | null,
): Promise<Role | undefined> {
  const row = await db
    .selectFrom('role')
    .selectAll()
    .where('name', '=', name)
    .where('domain_id', '=', domainId ?? GLOBAL_ROLE_DOMAIN)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export interface RoleFilter {
  ids?: readonly string[]
  name?: string
  /** `null` lists global roles only. */
  domainId?: string | null
}

export async function listRoles(db: Db, filter: RoleFilter): Promise<Role[]> {
  let query = db.selectFrom('role').selectAll()
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  if (filter.domainId !== undefined)
    query = query.where('domain_id', '=', filter.domainId ?? GLOBAL_ROLE_DOMAIN)
  return (await query.orderBy('name').orderBy('id').execute()).map(fromRow)
}

export async function createRole(db: Db, r: Role): Promise<void> {
  await db
    .insertInto('role')
    .values({
      id: r.id,
      name: r.name,
      domain_id: r.domainId ?? GLOBAL_ROLE_DOMAIN,
      description: r.description,
      options: JSON.stringify(r.options),
      extra: JSON.stringify(r.extra),
    })
    .execute()
}

export async function updateRole(db: Db, r: Role): Promise<void> {
  await db
    .updateTable('role')
    .set({
      name: r.name,
      description: r.description,
      options: JSON.stringify(r.options),
      extra: JSON.stringify(r.extra),
    })
    .where('id', '=', r.id)
    .execute()
}

export async function deleteRole(db: Db, id: string): Promise<void> {
  await db
    .deleteFrom('implied_role')
    .where((eb) => eb.or([eb('prior_role_id', '=', id), eb('implied_role_id', '=', id)]))
    .execute()
  await db.deleteFrom('assignment').where('role_id', '=', id).execute()
  await db.deleteFrom('application_credential_role').where('role_id', '=', id).execute()
  await db.deleteFrom('role').where('id', '=', id).execute()
}

export interface ImpliedRule {
  priorRoleId: string
  impliedRoleId: string
}

export async function listImpliedRules(db: Db, priorRoleId?: string): Promise<ImpliedRule[]> {
  let query = db.selectFrom('implied_role').selectAll()
  if (priorRoleId !== undefined) query = query.where('prior_role_id', '=', priorRoleId)
  return (await query.execute()).map((r) => ({
    priorRoleId: r.prior_role_id,
    impliedRoleId: r.implied_role_id,
  }))
}

export async function createImpliedRule(db: Db, rule: ImpliedRule): Promise<void> {
  await db
    .insertInto('implied_role')
    .values({ prior_role_id: rule.priorRoleId, implied_role_id: rule.impliedRoleId })
    .execute()
}

export async function deleteImpliedRule(db: Db, rule: ImpliedRule): Promise<boolean> {
  const result = await db
    .deleteFrom('implied_role')
    .where('prior_role_id', '=', rule.priorRoleId)
    .where('implied_role_id', '=', rule.impliedRoleId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
