/** @module identity/db/credentials-repo: stored credentials (EC2 and others), blobs kept encrypted */
import type { Kysely } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface StoredCredential {
  id: string
  userId: string
  projectId: string | null
  type: string
  encryptedBlob: string
  extra: Record<string, unknown>
}

export async function listCredentials(
  db: Db,
  filter: { userId?: string; type?: string; ids?: string[] },
): Promise<StoredCredential[]> {
  let query = db.selectFrom('credential').selectAll()
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId)
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  const rows = await query.orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    projectId: r.project_id,
    type: r.type,
    encryptedBlob: r.encrypted_blob,
    extra: parseJsonColumn(r.extra, {}),
  }))
}

export async function getCredential(db: Db, id: string): Promise<StoredCredential | undefined> {
  return (await listCredentials(db, { ids: [id] }))[0]
}

export async function createCredential(db: Db, c: StoredCredential): Promise<void> {
  await db
    .insertInto('credential')
    .values({
      id: c.id,
      user_id: c.userId,
      project_id: c.projectId,
      type: c.type,
      encrypted_blob: c.encryptedBlob,
      extra: JSON.stringify(c.extra),
    })
    .execute()
}

export async function updateCredential(db: Db, c: StoredCredential): Promise<void> {
  await db
    .updateTable('credential')
    .set({
      user_id: c.userId,
      project_id: c.projectId,
      type: c.type,
      encrypted_blob: c.encryptedBlob,
      extra: JSON.stringify(c.extra),
    })
    .where('id', '=', c.id)
    .execute()
}

export async function deleteCredential(db: Db, id: string): Promise<void> {
  await db.deleteFrom('credential').where('id', '=', id).execute()
}

export async function deleteCredentialsOfUser(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('credential').where('user_id', '=', userId).execute()
}
