/** @module compute/service/server-migrations: a server's live migrations in progress, forced to complete or aborted */
import {
  getMigrationOfInstance,
  listMigrations,
  updateMigration,
  type MigrationRecord,
} from '../db/migrations-repo.js'
import {
  ComputeValidationError,
  InvalidMigrationStateError,
  MigrationNotFoundForInstanceError,
} from '../errors.js'
import { updateInstance } from '../db/instances-repo.js'
import type { Instance } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { startAction } from './instance-records.js'
import { revertMoveClaims } from './move-claims.js'
import { assertState, assertUnlocked, findServer } from './server-access.js'

/** Statuses after which a migration is no longer in progress (Nova's list of them). */
const OVER = ['confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done']

/** What `GET .../migrations/{id}` calls in progress. */
const SHOWN = ['queued', 'preparing', 'running', 'post-migrating']

/** Migration ids in paths are integers; anything else names no migration. */
function migrationNumber(id: string): number | undefined {
  return /^\d{1,15}$/.test(id) ? Number(id) : undefined
}

async function migrationOf(
  ctx: ComputeContext,
  instance: Instance,
  id: string,
): Promise<MigrationRecord | undefined> {
  const n = migrationNumber(id)
  return n === undefined ? undefined : getMigrationOfInstance(ctx.db, n, instance.uuid)
}

function notFoundMessage(id: string, uuid: string): string {
  return `Migration ${id} not found for instance ${uuid}`
}

/** The server's live migrations that have not ended, newest first. */
export async function listServerMigrations(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<MigrationRecord[]> {
  await findServer(ctx, caller, uuid)
  const all = await listMigrations(ctx.db, { instanceUuid: uuid, migrationType: 'live-migration' })
  return all.filter((m) => !OVER.includes(m.status))
}

/** One live migration of the server that is in progress, or 404 saying why not. */
export async function showServerMigration(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  id: string,
): Promise<MigrationRecord> {
  const instance = await findServer(ctx, caller, uuid)
  const m = await migrationOf(ctx, instance, id)
  if (!m) {
    throw new MigrationNotFoundForInstanceError(
      `In-progress live migration ${id} is not found for server ${uuid}.`,
    )
  }
  if (m.migrationType !== 'live-migration') {
    throw new MigrationNotFoundForInstanceError(
      `Migration ${id} for server ${uuid} is not live-migration.`,
    )
  }
  if (!SHOWN.includes(m.status)) {
    throw new MigrationNotFoundForInstanceError(
      `Live migration ${id} for server ${uuid} is not in progress.`,
    )
  }
  return m
}

/**
 * Makes a running live migration converge (Nova's `force_complete`): the source's agent pauses
 * the guest, which resumes on the destination. 409 unless ACTIVE and migrating, 400 unless the
 * migration is the server's and running.
 */
export async function forceCompleteMigration(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  id: string,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'force_complete', { vm: ['active'], task: ['migrating'] })
  const m = await migrationOf(ctx, instance, id)
  if (!m) throw new ComputeValidationError(notFoundMessage(id, uuid))
  if (m.status !== 'running') {
    throw new InvalidMigrationStateError(m.id, uuid, m.status, 'force complete')
  }
  const source = m.sourceCompute ?? instance.host
  if (!source) throw new InvalidMigrationStateError(m.id, uuid, m.status, 'force complete')
  await startAction(ctx, ctx.db, { uuid, action: 'live_migration_force_complete', ...caller })
  await ctx.agents.liveMigrationForceComplete(source, { uuid, requestId: caller.requestId })
}

/**
 * Aborts a live migration (Nova's `DELETE .../migrations/{id}`): a running one, and from 2.65
 * a queued or preparing one too. The migration is cancelled at once; the destination's agent
 * sees it, drops its guest and gives the server back to its source. 409 unless migrating.
 */
export async function abortMigration(
  ctx: ComputeContext,
  caller: Caller,
  input: { uuid: string; id: string; queuedToo: boolean },
): Promise<void> {
  const { uuid, id } = input
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'abort live migration', { task: ['migrating'] })
  const m = await migrationOf(ctx, instance, id)
  if (!m) throw new MigrationNotFoundForInstanceError(notFoundMessage(id, uuid))
  const allowed = input.queuedToo ? ['running', 'queued', 'preparing'] : ['running']
  const refuse = (state: string) =>
    new InvalidMigrationStateError(m.id, uuid, state, 'abort live migration')
  if (m.migrationType !== 'live-migration' || !allowed.includes(m.status)) throw refuse(m.status)
  const at = now(ctx)
  const cancelled = await updateMigration(ctx.db, m.uuid, { status: 'cancelled' }, at, allowed)
  if (!cancelled) {
    throw refuse((await migrationOf(ctx, instance, id))?.status ?? m.status)
  }
  await startAction(ctx, ctx.db, { uuid, action: 'live_migration_cancel', ...caller })
  if (m.status !== 'queued') return
  // Its destination has not started: the server never left its source.
  const back = await updateInstance(
    ctx.db,
    uuid,
    { taskState: null, updatedAt: at },
    { taskState: ['migrating'] },
  )
  if (back) await revertMoveClaims(ctx, instance, m.uuid)
}
