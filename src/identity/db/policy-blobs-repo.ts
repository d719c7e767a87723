/** @module identity/db/policy-blobs-repo: stored policy documents */
import type { Kysely } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface PolicyBlob {
  id: string
  type: string
  blob: string
  extra: Record<string, unknown>
}

export async function listPolicyBlobs(
  db: Db,
  filter: { type?: string } = {},
): Promise<PolicyBlob[]> {
  let query = db.selectFrom('policy_blob').selectAll()
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  const rows = await query.orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    blob: r.blob,
    extra: parseJsonColumn(r.extra, {}),
  }))
}

export async function getPolicyBlob(db: Db, id: string): Promise<PolicyBlob | undefined> {
  const row = await db.selectFrom('policy_blob').selectAll().where('id', '=', id).executeTakeFirst()
  return (
    row && { id: row.id, type: row.type, blob: row.blob, extra: parseJsonColumn(row.extra, {}) }
  )
}

export async function createPolicyBlob(db: Db, p: PolicyBlob): Promise<void> {
  await db
    .insertInto('policy_blob')
    .values({ id: p.id, type: p.type, blob: p.blob, extra: JSON.stringify(p.extra) })
    .execute()
}

export async function updatePolicyBlob(db: Db, p: PolicyBlob): Promise<void> {
  await db
    .updateTable('policy_blob')
    .set({ type: p.type, blob: p.blob, extra: JSON.stringify(p.extra) })
    .where('id', '=', p.id)
    .execute()
}

export async function deletePolicyBlob(db: Db, id: string): Promise<void> {
  await db.deleteFrom('policy_blob').where('id', '=', id).execute()
}
