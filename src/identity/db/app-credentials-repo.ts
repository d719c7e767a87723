/** @module identity/db/app-credentials-repo: application credentials and their roles */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, toBool } from '../../core/db/index.js'
import type { AppCredentialTable, IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface AppCredential {
  id: string
  name: string
  secretHash: string
  description: string | null
  userId: string
  projectId: string
  expiresAt: string | null
  unrestricted: boolean
  createdAt: string
  roleIds: string[]
}

async function withRoles(db: Db, rows: Selectable<AppCredentialTable>[]): Promise<AppCredential[]> {
  if (rows.length === 0) return []
  const roles = await db
    .selectFrom('application_credential_role')
    .selectAll()
    .where(
      'application_credential_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    secretHash: r.secret_hash,
    description: r.description,
    userId: r.user_id,
    projectId: r.project_id,
    expiresAt: r.expires_at,
    unrestricted: toBool(r.unrestricted),
    createdAt: r.created_at,
    roleIds: roles.filter((x) => x.application_credential_id === r.id).map((x) => x.role_id),
  }))
}

export async function getAppCredential(db: Db, id: string): Promise<AppCredential | undefined> {
  const rows = await db
    .selectFrom('application_credential')
    .selectAll()
    .where('id', '=', id)
    .execute()
  return (await withRoles(db, rows))[0]
}

export async function listAppCredentials(
  db: Db,
  filter: { userId?: string; name?: string; projectId?: string },
): Promise<AppCredential[]> {
  let query = db.selectFrom('application_credential').selectAll()
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId)
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId)
  return withRoles(db, await query.orderBy('name').execute())
}

export async function createAppCredential(db: Db, c: AppCredential): Promise<void> {
  await db
    .insertInto('application_credential')
    .values({
      id: c.id,
      name: c.name,
      secret_hash: c.secretHash,
      description: c.description,
      user_id: c.userId,
      project_id: c.projectId,
      expires_at: c.expiresAt,
      unrestricted: fromBool(c.unrestricted),
      created_at: c.createdAt,
    })
    .execute()
  if (c.roleIds.length > 0) {
    await db
      .insertInto('application_credential_role')
      .values(c.roleIds.map((role_id) => ({ application_credential_id: c.id, role_id })))
      .execute()
  }
}

export async function deleteAppCredential(db: Db, id: string): Promise<void> {
  await db
    .deleteFrom('application_credential_role')
    .where('application_credential_id', '=', id)
    .execute()
  await db.deleteFrom('application_credential').where('id', '=', id).execute()
}

/** Removes the credentials of a user, optionally only those on one project. */
export async function deleteAppCredentialsOf(
  db: Db,
  userId: string,
  projectId?: string,
): Promise<string[]> {
  const list = await listAppCredentials(db, { userId, ...(projectId ? { projectId } : {}) })
  for (const c of list) await deleteAppCredential(db, c.id)
  return list.map((c) => c.id)
}
