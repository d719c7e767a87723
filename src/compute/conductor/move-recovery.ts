/** @module compute/conductor/move-recovery: settle the moves a compute host's restart interrupted (Nova's _init_instance) */
import { getInstance, updateInstance } from '../db/instances-repo.js'
import { listMigrations, updateMigration, type MigrationRecord } from '../db/migrations-repo.js'
import type { Instance } from '../model/instance.js'
import type { MoveRecovery } from '../rpc/payloads.js'
import { now } from '../service/context.js'
import { recordFault } from '../service/instance-records.js'
import { revertMoveClaims } from '../service/move-claims.js'
import type { ConductorContext } from './conductor-context.js'
import { applyInstanceMoved } from './instance-sync.js'

/** Statuses after which a migration is over; any other one is in progress. */
const OVER = ['confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done']

/**
 * Whether only the conductor's flow has had the move so far (no destination chosen, or an
 * evacuation's server not yet recorded there): the conductor's own start settles it.
 */
function conductorOwned(m: MigrationRecord, instance: Instance): boolean {
  if (m.status === 'accepted' || m.destCompute === null) return true
  return m.migrationType === 'evacuation' && instance.host !== m.destCompute
}

type Guests = MoveRecovery['guests']

async function fail(
  ctx: ConductorContext,
  instance: Instance,
  m: MigrationRecord,
  end: { vmState?: Instance['vmState']; why: string },
): Promise<void> {
  await updateInstance(ctx.db, instance.uuid, {
    taskState: null,
    newFlavor: null,
    ...(end.vmState ? { vmState: end.vmState } : {}),
    updatedAt: now(ctx),
  })
  await updateMigration(ctx.db, m.uuid, { status: 'error' }, now(ctx))
  await revertMoveClaims(ctx, instance, m.uuid)
  const message = `${end.why}; the ${m.migrationType} was rolled back`
  await recordFault(ctx, instance.uuid, {
    code: 500,
    message,
    details: message,
    host: m.sourceCompute,
  })
}

/** Back to the source (its guest kept, powered off or running): started again there. */
async function backToSource(
  ctx: ConductorContext,
  instance: Instance,
  m: MigrationRecord,
  host: string,
  guests: Guests,
): Promise<void> {
  const source = m.sourceCompute ?? host
  if (instance.host !== source) {
    await applyInstanceMoved(ctx, { uuid: instance.uuid, host: source, taskState: null })
  }
  const why = `the compute service of ${host} restarted during the ${m.migrationType}`
  // The source's guest was powered off for a cold move: only its own agent can start it.
  const running = instance.vmState !== 'stopped'
  if (source !== host && m.migrationType !== 'live-migration' && running) {
    await fail(ctx, instance, m, { vmState: 'error', why })
    return
  }
  await fail(ctx, instance, m, { why })
  if (source === host) guests.push({ uuid: instance.uuid, guest: running ? 'start' : 'keep' })
}

async function settle(
  ctx: ConductorContext,
  m: MigrationRecord,
  host: string,
  present: ReadonlySet<string>,
  guests: Guests,
): Promise<void> {
  const instance = await getInstance(ctx.db, m.instanceUuid)
  if (!instance || instance.deleted || conductorOwned(m, instance)) return
  const at = now(ctx)
  if (m.migrationType === 'live-migration') {
    if (m.status === 'post-migrating' && instance.host === m.destCompute) {
      // The guest runs at the destination: only the source's clean-up was left.
      await updateInstance(ctx.db, instance.uuid, { taskState: null, updatedAt: at })
      await updateMigration(ctx.db, m.uuid, { status: 'completed' }, at)
      await ctx.placement.release(m.uuid)
      return
    }
    return backToSource(ctx, instance, m, host, guests)
  }
  if (m.migrationType === 'evacuation') {
    // Nova errs a server found rebuilding; it stays on the destination with its claim there.
    await updateInstance(ctx.db, instance.uuid, {
      vmState: 'error',
      taskState: null,
      updatedAt: at,
    })
    await updateMigration(ctx.db, m.uuid, { status: 'failed' }, at)
    const message = `the compute service of ${host} restarted during the evacuation`
    await recordFault(ctx, instance.uuid, { code: 500, message, details: message, host })
    return
  }
  if (m.status === 'finished') {
    // VERIFY_RESIZE: the source keeps its guest until the resize is confirmed or reverted.
    if (m.sourceCompute === host && instance.host !== host) {
      guests.push({ uuid: instance.uuid, guest: 'keep' })
    }
    return
  }
  const finishing = instance.taskState === 'resize_finish' && instance.host === host
  if (m.status === 'post-migrating' && finishing && present.has(instance.uuid)) {
    // The destination's guest exists: the migration goes on to VERIFY_RESIZE.
    await updateInstance(ctx.db, instance.uuid, {
      vmState: 'resized',
      taskState: null,
      ...(instance.newFlavor ? { flavor: instance.newFlavor, oldFlavor: instance.flavor } : {}),
      updatedAt: at,
    })
    await updateMigration(ctx.db, m.uuid, { status: 'finished' }, at)
    return
  }
  if (m.status === 'reverting') {
    // The claims went back with the revert request: only the guest and the records remain.
    const source = m.sourceCompute ?? host
    if (instance.host !== source) {
      await applyInstanceMoved(ctx, { uuid: instance.uuid, host: source, taskState: null })
    }
    const started = source === host
    await updateInstance(ctx.db, instance.uuid, {
      vmState: started ? 'active' : 'error',
      taskState: null,
      ...(instance.oldFlavor ? { flavor: instance.oldFlavor } : {}),
      oldFlavor: null,
      newFlavor: null,
      updatedAt: at,
    })
    await updateMigration(ctx.db, m.uuid, { status: started ? 'reverted' : 'error' }, at)
    if (started) guests.push({ uuid: instance.uuid, guest: 'start' })
    return
  }
  return backToSource(ctx, instance, m, host, guests)
}

/**
 * Settles every move in progress from or to `host`, whose compute service just started (its
 * guests are `present`): a live migration rolls back to its source unless only the source's
 * clean-up was left; a cold migration or resize rolls back to its source (Nova's rule for
 * RESIZE_MIGRATING) unless the destination's guest is there to finish it; VERIFY_RESIZE stays;
 * an evacuation errs. Claims end where the server is. Answers what `host` does with its guests.
 */
export async function recoverMoves(
  ctx: ConductorContext,
  host: string,
  present: readonly string[],
): Promise<MoveRecovery> {
  const guests: Guests = []
  const have = new Set(present)
  const moves = (await listMigrations(ctx.db, { host })).filter((m) => !OVER.includes(m.status))
  for (const m of moves) await settle(ctx, m, host, have, guests)
  return { guests }
}

/**
 * On the conductor's start: moves its own flow left before any agent had them (accepted,
 * pre-migrating) are undone: claims back to the server, migration in error, task cleared.
 */
export async function recoverConductorMoves(ctx: ConductorContext): Promise<number> {
  const moves = (await listMigrations(ctx.db, {})).filter((m) => !OVER.includes(m.status))
  let settled = 0
  for (const m of moves) {
    const instance = await getInstance(ctx.db, m.instanceUuid)
    if (!instance || instance.deleted || !conductorOwned(m, instance)) continue
    const why = 'the compute conductor restarted while it scheduled the move'
    await fail(ctx, instance, m, { why })
    settled++
  }
  return settled
}
