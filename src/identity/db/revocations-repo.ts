/** @module identity/db/revocations-repo: token revocation events */
import type { Kysely } from 'kysely'
import type { IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

/** Tokens matching every set field and issued before `issuedBefore` are revoked. */
export interface RevocationEvent {
  id: string
  userId: string | null
  projectId: string | null
  domainId: string | null
  roleId: string | null
  auditId: string | null
  auditChainId: string | null
  issuedBefore: string
  revokedAt: string
}

export async function listRevocations(db: Db, since?: string): Promise<RevocationEvent[]> {
  let query = db.selectFrom('revocation_event').selectAll()
  if (since !== undefined) query = query.where('revoked_at', '>=', since)
  const rows = await query.orderBy('revoked_at').execute()
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    projectId: r.project_id,
    domainId: r.domain_id,
    roleId: r.role_id,
    auditId: r.audit_id,
    auditChainId: r.audit_chain_id,
    issuedBefore: r.issued_before,
    revokedAt: r.revoked_at,
  }))
}

export async function createRevocation(db: Db, e: RevocationEvent): Promise<void> {
  await db
    .insertInto('revocation_event')
    .values({
      id: e.id,
      user_id: e.userId,
      project_id: e.projectId,
      domain_id: e.domainId,
      role_id: e.roleId,
      audit_id: e.auditId,
      audit_chain_id: e.auditChainId,
      issued_before: e.issuedBefore,
      revoked_at: e.revokedAt,
    })
    .execute()
}

/** Drops events older than any token that could still be valid. */
export async function pruneRevocations(db: Db, before: string): Promise<void> {
  await db.deleteFrom('revocation_event').where('revoked_at', '<', before).execute()
}
