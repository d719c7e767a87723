/** @module identity/db/assignments-repo: role assignments of users and groups on targets */
import type { Kysely } from 'kysely'
import { fromBool, toBool } from '../../core/db/index.js'
import type { AssignmentType, IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface Assignment {
  type: AssignmentType
  actorId: string
  targetId: string
  roleId: string
  inherited: boolean
}

export interface AssignmentFilter {
  types?: readonly AssignmentType[]
  actorIds?: readonly string[]
  targetIds?: readonly string[]
  roleIds?: readonly string[]
  inherited?: boolean
}

export async function listAssignments(db: Db, f: AssignmentFilter): Promise<Assignment[]> {
  let query = db.selectFrom('assignment').selectAll()
  for (const [column, values] of [
    ['type', f.types],
    ['actor_id', f.actorIds],
    ['target_id', f.targetIds],
    ['role_id', f.roleIds],
  ] as const) {
    if (values === undefined) continue
    if (values.length === 0) return []
    query = query.where(column, 'in', values)
  }
  if (f.inherited !== undefined) query = query.where('inherited', '=', fromBool(f.inherited))
  const rows = await query.execute()
  return rows.map((r) => ({
    type: r.type,
    actorId: r.actor_id,
    targetId: r.target_id,
    roleId: r.role_id,
    inherited: toBool(r.inherited),
  }))
}

export async function hasAssignment(db: Db, a: Assignment): Promise<boolean> {
  const row = await db
    .selectFrom('assignment')
    .select('role_id')
    .where('type', '=', a.type)
    .where('actor_id', '=', a.actorId)
    .where('target_id', '=', a.targetId)
    .where('role_id', '=', a.roleId)
    .where('inherited', '=', fromBool(a.inherited))
    .executeTakeFirst()
  return row !== undefined
}

export async function createAssignment(db: Db, a: Assignment): Promise<void> {
  if (await hasAssignment(db, a)) return
  await db
    .insertInto('assignment')
    .values({
      type: a.type,
      actor_id: a.actorId,
      target_id: a.targetId,
      role_id: a.roleId,
      inherited: fromBool(a.inherited),
    })
    .execute()
}

export async function deleteAssignment(db: Db, a: Assignment): Promise<boolean> {
  const result = await db
    .deleteFrom('assignment')
    .where('type', '=', a.type)
    .where('actor_id', '=', a.actorId)
    .where('target_id', '=', a.targetId)
    .where('role_id', '=', a.roleId)
    .where('inherited', '=', fromBool(a.inherited))
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** Removes every assignment of an actor or on a target (when either is deleted). */
export async function deleteAssignmentsOf(db: Db, id: string): Promise<void> {
  await db
    .deleteFrom('assignment')
    .where((eb) => eb.or([eb('actor_id', '=', id), eb('target_id', '=', id)]))
    .execute()
}
