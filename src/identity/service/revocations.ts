/** @module identity/service/revocations: revoking tokens by event, as Keystone does */
import {
  createRevocation,
  listRevocations,
  pruneRevocations,
  type RevocationEvent,
} from '../db/revocations-repo.js'
import { markChanged, type IdentityContext } from './context.js'
import type { Kysely } from 'kysely'
import type { IdentityDatabase } from '../db/schema.js'

/** What a revocation event matches on; unset fields match anything. */
export type RevocationMatch = Partial<
  Pick<RevocationEvent, 'userId' | 'projectId' | 'domainId' | 'roleId' | 'auditId' | 'auditChainId'>
>

/** Facts of a token that revocation events are matched against. */
export interface RevocableToken {
  userId: string
  projectId?: string
  domainIds: readonly string[]
  roleIds: readonly string[]
  auditIds: readonly string[]
  issuedAt: number
}

/** Records an event revoking every matching token issued up to now. */
export async function revoke(
  ctx: IdentityContext,
  match: RevocationMatch,
  db: Kysely<IdentityDatabase> = ctx.db,
): Promise<void> {
  const now = new Date(ctx.clock.now()).toISOString()
  const event: RevocationEvent = {
    id: ctx.ids.hex(),
    userId: match.userId ?? null,
    projectId: match.projectId ?? null,
    domainId: match.domainId ?? null,
    roleId: match.roleId ?? null,
    auditId: match.auditId ?? null,
    auditChainId: match.auditChainId ?? null,
    issuedBefore: now,
    revokedAt: now,
  }
  await createRevocation(db, event)
  ctx.state.revocations.push(event)
  markChanged(ctx)
}

/** True when any known event revokes the token. */
export function isRevoked(ctx: IdentityContext, token: RevocableToken): boolean {
  for (const e of ctx.state.revocations) {
    if (Date.parse(e.issuedBefore) < token.issuedAt) continue
    if (e.userId !== null && e.userId !== token.userId) continue
    if (e.projectId !== null && e.projectId !== token.projectId) continue
    if (e.domainId !== null && !token.domainIds.includes(e.domainId)) continue
    if (e.roleId !== null && !token.roleIds.includes(e.roleId)) continue
    if (e.auditId !== null && token.auditIds[0] !== e.auditId) continue
    if (e.auditChainId !== null && token.auditIds[token.auditIds.length - 1] !== e.auditChainId)
      continue
    return true
  }
  return false
}

/**
 * Loads events from the database (others may have written some), dropping those older than any
 * live token. Marks data changed when new events arrived.
 */
export async function refreshRevocations(ctx: IdentityContext): Promise<void> {
  const horizon = new Date(
    ctx.clock.now() - ctx.config.tokenExpirationSeconds * 1000 - 60_000,
  ).toISOString()
  await pruneRevocations(ctx.db, horizon)
  const events = await listRevocations(ctx.db)
  const known = new Set(ctx.state.revocations.map((e) => e.id))
  const fresh = events.some((e) => !known.has(e.id))
  ctx.state.revocations = events
  if (fresh) markChanged(ctx)
}
