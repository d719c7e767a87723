/** @module network/db/security-groups-repo: security groups and their rules */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, toBool } from '../../core/db/index.js'
import type { NetworkDatabase, SecurityGroupRuleTable, SecurityGroupTable } from './schema.js'
import { standardFromRow, standardToRow, tagsOf, type StandardAttrs } from './standard-attrs.js'

type Db = Kysely<NetworkDatabase>

export interface SecurityGroup extends StandardAttrs {
  stateful: boolean
}

export interface SecurityGroupRule {
  id: string
  projectId: string
  securityGroupId: string
  description: string
  direction: string
  ethertype: string
  protocol: string | null
  portRangeMin: number | null
  portRangeMax: number | null
  remoteIpPrefix: string | null
  remoteGroupId: string | null
  fingerprint: string
  revisionNumber: number
  createdAt: string
  updatedAt: string
}

function groupFromRow(row: Selectable<SecurityGroupTable>, tags: string[]): SecurityGroup {
  return { ...standardFromRow(row, tags), stateful: toBool(row.stateful) }
}

function groupToRow(g: SecurityGroup): SecurityGroupTable {
  return { ...standardToRow(g), stateful: fromBool(g.stateful) }
}

function ruleFromRow(row: Selectable<SecurityGroupRuleTable>): SecurityGroupRule {
  const n = (v: number | null) => (v === null ? null : Number(v))
  return {
    id: row.id,
    projectId: row.project_id,
    securityGroupId: row.security_group_id,
    description: row.description,
    direction: row.direction,
    ethertype: row.ethertype,
    protocol: row.protocol,
    portRangeMin: n(row.port_range_min),
    portRangeMax: n(row.port_range_max),
    remoteIpPrefix: row.remote_ip_prefix,
    remoteGroupId: row.remote_group_id,
    fingerprint: row.fingerprint,
    revisionNumber: Number(row.revision_number),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function ruleToRow(r: SecurityGroupRule): SecurityGroupRuleTable {
  return {
    id: r.id,
    project_id: r.projectId,
    security_group_id: r.securityGroupId,
    description: r.description,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.portRangeMin,
    port_range_max: r.portRangeMax,
    remote_ip_prefix: r.remoteIpPrefix,
    remote_group_id: r.remoteGroupId,
    fingerprint: r.fingerprint,
    revision_number: r.revisionNumber,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }
}

export async function getSecurityGroup(db: Db, id: string): Promise<SecurityGroup | undefined> {
  const row = await db
    .selectFrom('security_group')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? groupFromRow(row, (await tagsOf(db, [id])).get(id) ?? []) : undefined
}

export async function listSecurityGroups(
  db: Db,
  filter: { projectId?: string; ids?: readonly string[] } = {},
): Promise<SecurityGroup[]> {
  let query = db.selectFrom('security_group').selectAll()
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId)
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  const rows = await query.orderBy('created_at').orderBy('id').execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => groupFromRow(r, tags.get(r.id) ?? []))
}

export async function insertSecurityGroup(db: Db, group: SecurityGroup): Promise<void> {
  await db.insertInto('security_group').values(groupToRow(group)).execute()
}

export async function updateSecurityGroup(
  db: Db,
  group: SecurityGroup,
  expectRevision: number,
): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = groupToRow(group)
  const result = await db
    .updateTable('security_group')
    .set(row)
    .where('id', '=', group.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Deletes a group with its rules and, as Neutron does, the rules of others naming it as remote. */
export async function deleteSecurityGroup(db: Db, id: string): Promise<void> {
  await db.deleteFrom('security_group_rule').where('security_group_id', '=', id).execute()
  await db.deleteFrom('security_group_rule').where('remote_group_id', '=', id).execute()
  await db.deleteFrom('default_security_group').where('security_group_id', '=', id).execute()
  await db.deleteFrom('security_group').where('id', '=', id).execute()
}

/** The id of a project's `default` group, if it has one. */
export async function defaultGroupOf(db: Db, projectId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('default_security_group')
    .select('security_group_id')
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return row?.security_group_id
}

/** Records a project's default group; a unique violation means another request made it first. */
export async function insertDefaultGroup(
  db: Db,
  projectId: string,
  groupId: string,
): Promise<void> {
  await db
    .insertInto('default_security_group')
    .values({ project_id: projectId, security_group_id: groupId })
    .execute()
}

export async function getRule(db: Db, id: string): Promise<SecurityGroupRule | undefined> {
  const row = await db
    .selectFrom('security_group_rule')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? ruleFromRow(row) : undefined
}

export async function listRules(
  db: Db,
  filter: { groupIds?: readonly string[]; projectId?: string } = {},
): Promise<SecurityGroupRule[]> {
  let query = db.selectFrom('security_group_rule').selectAll()
  if (filter.groupIds) {
    if (filter.groupIds.length === 0) return []
    query = query.where('security_group_id', 'in', filter.groupIds)
  }
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId)
  const rows = await query.orderBy('created_at').orderBy('id').execute()
  return rows.map(ruleFromRow)
}

export async function findRuleByFingerprint(
  db: Db,
  groupId: string,
  fingerprint: string,
): Promise<SecurityGroupRule | undefined> {
  const row = await db
    .selectFrom('security_group_rule')
    .selectAll()
    .where('security_group_id', '=', groupId)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst()
  return row ? ruleFromRow(row) : undefined
}

export async function insertRule(db: Db, rule: SecurityGroupRule): Promise<void> {
  await db.insertInto('security_group_rule').values(ruleToRow(rule)).execute()
}

export async function deleteRule(db: Db, id: string): Promise<void> {
  await db.deleteFrom('security_group_rule').where('id', '=', id).execute()
}

/** Rules in other groups that name this group as their remote. */
export async function rulesReferencing(db: Db, groupId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('security_group_rule')
    .select('id')
    .where('remote_group_id', '=', groupId)
    .where('security_group_id', '!=', groupId)
    .execute()
  return rows.map((r) => r.id)
}

export async function countGroups(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('security_group')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export async function countRules(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('security_group_rule')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
