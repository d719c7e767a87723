/** @module compute/conductor/live-migrate-flow: schedule a live migration and start it at the destination */
import { getInstance, updateInstance } from '../db/instances-repo.js'
import { updateMigration } from '../db/migrations-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { EvacuateRequest } from '../rpc/payloads.js'
import { now } from '../service/context.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'

const EVENT = 'conductor_live_migrate_instance'

/**
 * The source's allocation moves to the migration's consumer and the destination is claimed
 * for the server (released when the source has cleaned up); the destination's agent starts
 * the guest, then the source's destroys its own. No host: the server stays where it is.
 */
export async function liveMigrateInstance(
  ctx: ConductorContext,
  r: EvacuateRequest,
): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted || instance.taskState !== 'migrating' || !instance.host) return
  const source = instance.host
  const ref = { uuid: r.uuid, requestId: r.requestId }
  await recordEvent(ctx, { ...ref, event: EVENT, phase: 'start', host: null })
  const owner = { projectId: instance.projectId, userId: instance.userId }
  const old = await ctx.placement.allocations(r.uuid)
  await ctx.placement.claim(r.migrationId, old, owner)
  let dest: string
  try {
    const selected = await ctx.scheduler.selectDestination({
      instance,
      excludeHosts: [source],
      groupId: instance.requestSpec.groupId,
      ...(r.host ? { allowHosts: [r.host] } : {}),
    })
    dest = selected.host
  } catch (error) {
    await ctx.placement.claim(r.uuid, old, owner)
    await ctx.placement.release(r.migrationId)
    await updateMigration(ctx.db, r.migrationId, { status: 'error' }, now(ctx))
    const message = error instanceof Error ? error.message : String(error)
    await updateInstance(ctx.db, r.uuid, { taskState: null, updatedAt: now(ctx) })
    await recordFault(ctx, r.uuid, { code: 500, message, details: message, host: source })
    await recordEvent(ctx, { ...ref, event: EVENT, phase: 'finish', result: 'Error', host: null })
    return
  }
  await updateMigration(
    ctx.db,
    r.migrationId,
    { status: 'running', destCompute: dest, destNode: dest, destHost: dest },
    now(ctx),
  )
  await recordEvent(ctx, { ...ref, event: EVENT, phase: 'finish', result: 'Success', host: null })
  await ctx.agents.liveMigrateDestination(dest, {
    ...ref,
    migrationId: r.migrationId,
    sourceHost: source,
    destHost: dest,
    spec: guestSpecOf(instance),
    stopped: false,
    paused: instance.vmState === 'paused',
  })
}
