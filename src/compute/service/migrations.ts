/** @module compute/service/migrations: listing migration records, with Nova's marker paging */
import {
  listMigrations,
  type MigrationFilter,
  type MigrationRecord,
} from '../db/migrations-repo.js'
import { ComputeValidationError } from '../errors.js'
import type { ComputeContext } from './context.js'

export type MigrationView = MigrationRecord

/** Migrations newest first; after `marker` (a migration uuid) and at most `limit` of them. */
export async function listMigrationRecords(
  ctx: ComputeContext,
  q: { filter: MigrationFilter; limit?: number; marker?: string },
): Promise<{ items: MigrationView[]; more: boolean }> {
  const all = await listMigrations(ctx.db, q.filter)
  let start = 0
  if (q.marker !== undefined) {
    const at = all.findIndex((m) => m.uuid === q.marker)
    if (at < 0) throw new ComputeValidationError(`Marker ${q.marker} could not be found.`)
    start = at + 1
  }
  const rest = all.slice(start)
  const items = q.limit === undefined ? rest : rest.slice(0, q.limit)
  return { items, more: items.length < rest.length }
}
