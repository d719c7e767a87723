/** @module compute/conductor/evacuate-flow: rebuild a server of a dead host on another one */
import { getInstance, updateInstance } from '../db/instances-repo.js'
import { updateMigration } from '../db/migrations-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { EvacuateRequest } from '../rpc/payloads.js'
import { now } from '../service/context.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'
import { applyInstanceMoved } from './instance-sync.js'

const EVENT = 'conductor_rebuild_server'

/**
 * The source host's allocation moves to the migration's consumer (it is released when that
 * host comes back and its guest is gone), the destination is claimed for the server, its ports
 * are bound there, and the destination's agent rebuilds the guest from the server's image.
 */
export async function evacuateInstance(ctx: ConductorContext, r: EvacuateRequest): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted || instance.taskState !== 'rebuilding' || !instance.host) {
    return
  }
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
    { status: 'pre-migrating', destCompute: dest, destNode: dest, destHost: dest },
    now(ctx),
  )
  await applyInstanceMoved(ctx, { uuid: r.uuid, host: dest, taskState: 'rebuilding' })
  const moved = await getInstance(ctx.db, r.uuid)
  await recordEvent(ctx, { ...ref, event: EVENT, phase: 'finish', result: 'Success', host: null })
  if (!moved || moved.deleted) return
  await ctx.agents.rebuildInstance(dest, {
    requestId: r.requestId,
    spec: guestSpecOf(moved),
    stopAfter: instance.vmState === 'stopped',
    migrationId: r.migrationId,
  })
}
