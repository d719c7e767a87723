/** @module compute/conductor/resize-flow: move the old flavor's claim aside, claim the new one, resize */
import { getInstance, updateInstance } from '../db/instances-repo.js'
import { now } from '../service/context.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'

const EVENT = 'conductor_migrate_server'

/**
 * Resizes on the server's own host (Nova with allow_resize_to_same_host): the old flavor's
 * allocation moves to a migration consumer, the new one is claimed for the server, and the
 * agent changes the guest. Confirm releases the migration consumer; revert swaps back.
 */
export async function resizeInstance(
  ctx: ConductorContext,
  r: { uuid: string; requestId: string },
): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.taskState !== 'resize_prep' || !instance.newFlavor || !instance.host) {
    return
  }
  await recordEvent(ctx, { ...r, event: EVENT, phase: 'start', host: null })
  const migrationId = ctx.ids.uuid()
  const old = await ctx.placement.allocations(r.uuid)
  const owner = { projectId: instance.projectId, userId: instance.userId }
  await ctx.placement.claim(migrationId, old, owner)
  try {
    await ctx.scheduler.selectDestination({
      instance: { ...instance, flavor: instance.newFlavor },
      excludeHosts: [],
      groupId: null,
      allowHosts: [instance.host],
    })
  } catch (error) {
    await ctx.placement.claim(r.uuid, old, owner)
    await ctx.placement.release(migrationId)
    const message = error instanceof Error ? error.message : String(error)
    await updateInstance(ctx.db, r.uuid, { taskState: null, newFlavor: null, updatedAt: now(ctx) })
    await recordFault(ctx, r.uuid, { code: 500, message, details: message, host: instance.host })
    await recordEvent(ctx, { ...r, event: EVENT, phase: 'finish', result: 'Error', host: null })
    return
  }
  const moving = await updateInstance(
    ctx.db,
    r.uuid,
    {
      taskState: 'resize_migrated',
      requestSpec: { ...instance.requestSpec, migrationId },
      updatedAt: now(ctx),
    },
    { taskState: ['resize_prep'] },
  )
  await recordEvent(ctx, { ...r, event: EVENT, phase: 'finish', result: 'Success', host: null })
  if (!moving) return
  const f = instance.newFlavor
  await ctx.agents.resizeInstance(instance.host, {
    uuid: r.uuid,
    requestId: r.requestId,
    phase: 'resize',
    size: { vcpus: f.vcpus, memoryMb: f.memoryMb, rootGb: f.rootGb },
  })
}
