/** @module identity/db/users-repo: users and their password history */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import { matchesName, type NameFilter } from './name-filter.js'
import type { IdentityDatabase, UserTable } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface User {
  id: string
  domainId: string
  name: string
  enabled: boolean
  defaultProjectId: string | null
  extra: Record<string, unknown>
  options: Record<string, unknown>
  createdAt: string
  lastActiveAt: string | null
  failedAuthCount: number
  failedAuthAt: string | null
}

export interface PasswordRecord {
  id: string
  hash: string
  createdAt: string
  expiresAt: string | null
  selfService: boolean
}

function fromRow(row: Selectable<UserTable>): User {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    enabled: toBool(row.enabled),
    defaultProjectId: row.default_project_id,
    extra: parseJsonColumn(row.extra, {}),
    options: parseJsonColumn(row.options, {}),
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    failedAuthCount: Number(row.failed_auth_count),
    failedAuthAt: row.failed_auth_at,
  }
}

export async function getUser(db: Db, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export async function findUserByName(
  db: Db,
  name: string,
  domainId: string,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('user')
    .selectAll()
    .where('name', '=', name)
    .where('domain_id', '=', domainId)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export interface UserFilter extends NameFilter {
  ids?: readonly string[]
  domainId?: string
  name?: string
  enabled?: boolean
}

export async function listUsers(db: Db, filter: UserFilter): Promise<User[]> {
  let query = db.selectFrom('user').selectAll()
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.domainId !== undefined) query = query.where('domain_id', '=', filter.domainId)
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  if (filter.enabled !== undefined) query = query.where('enabled', '=', fromBool(filter.enabled))
  const rows = await query.orderBy('name').orderBy('id').execute()
  return rows.map(fromRow).filter((u) => matchesName(u.name, filter))
}

export async function createUser(db: Db, u: User): Promise<void> {
  await db
    .insertInto('user')
    .values({
      id: u.id,
      domain_id: u.domainId,
      name: u.name,
      enabled: fromBool(u.enabled),
      default_project_id: u.defaultProjectId,
      extra: JSON.stringify(u.extra),
      options: JSON.stringify(u.options),
      created_at: u.createdAt,
      last_active_at: u.lastActiveAt,
      failed_auth_count: u.failedAuthCount,
      failed_auth_at: u.failedAuthAt,
    })
    .execute()
}

export async function updateUser(db: Db, u: User): Promise<void> {
  await db
    .updateTable('user')
    .set({
      name: u.name,
      enabled: fromBool(u.enabled),
      default_project_id: u.defaultProjectId,
      extra: JSON.stringify(u.extra),
      options: JSON.stringify(u.options),
      last_active_at: u.lastActiveAt,
      failed_auth_count: u.failedAuthCount,
      failed_auth_at: u.failedAuthAt,
    })
    .where('id', '=', u.id)
    .execute()
}

/** Records a failed or successful authentication without touching the rest of the row. */
export async function setAuthFailures(
  db: Db,
  id: string,
  count: number,
  at: string | null,
): Promise<void> {
  await db
    .updateTable('user')
    .set({ failed_auth_count: count, failed_auth_at: at })
    .where('id', '=', id)
    .execute()
}

export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom('password').where('user_id', '=', id).execute()
  await db.deleteFrom('membership').where('user_id', '=', id).execute()
  await db.deleteFrom('user').where('id', '=', id).execute()
}

/** Password history, newest first. */
export async function listPasswords(db: Db, userId: string): Promise<PasswordRecord[]> {
  const rows = await db
    .selectFrom('password')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    hash: r.hash,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    selfService: toBool(r.self_service),
  }))
}

export async function addPassword(db: Db, userId: string, record: PasswordRecord): Promise<void> {
  await db
    .insertInto('password')
    .values({
      id: record.id,
      user_id: userId,
      hash: record.hash,
      created_at: record.createdAt,
      expires_at: record.expiresAt,
      self_service: fromBool(record.selfService),
    })
    .execute()
}

/** Keeps the newest `keep` passwords of a user. */
export async function prunePasswords(db: Db, userId: string, keep: number): Promise<void> {
  const all = await listPasswords(db, userId)
  const old = all.slice(Math.max(1, keep)).map((p) => p.id)
  if (old.length > 0) await db.deleteFrom('password').where('id', 'in', old).execute()
}
