/** @module compute/conductor/shelve-flow: an offloaded server leaves its host, and comes back elsewhere */
import { getInstance, updateInstance } from '../db/instances-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import { now } from '../service/context.js'
import { withConfigDrive } from '../service/instance-metadata.js'
import { withVolumesOn } from '../service/volume-connections.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'
import { applyInstanceMoved } from './instance-sync.js'

const EVENT = 'conductor_unshelve_instance'

/**
 * The guest is gone from its host: the host's allocation is released and the ports unbound
 * from it; the server is SHELVED_OFFLOADED with no host. After a failed unshelve the same
 * happens, with a fault saying why.
 */
export async function offloadInstance(
  ctx: ConductorContext,
  r: { uuid: string; failure?: string },
): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted) return
  await ctx.placement.release(r.uuid)
  for (const vif of instance.networkInfo) await ctx.network.bindPort(vif.portId, r.uuid, '')
  await updateInstance(ctx.db, r.uuid, {
    vmState: 'shelved_offloaded',
    taskState: null,
    powerState: 0,
    host: null,
    node: null,
    updatedAt: now(ctx),
  })
  if (r.failure) {
    await recordFault(ctx, r.uuid, {
      code: 500,
      message: r.failure,
      details: r.failure,
      host: null,
    })
  }
}

/** Schedules an offloaded server, binds its ports to the chosen host and has it spawn there. */
export async function unshelveInstance(
  ctx: ConductorContext,
  r: { uuid: string; requestId: string },
): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted || instance.taskState !== 'unshelving') return
  await recordEvent(ctx, { ...r, event: EVENT, phase: 'start', host: null })
  let dest: string
  try {
    const selected = await ctx.scheduler.selectDestination({
      instance,
      excludeHosts: [],
      groupId: instance.requestSpec.groupId,
    })
    dest = selected.host
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    await updateInstance(ctx.db, r.uuid, { taskState: null, updatedAt: now(ctx) })
    await recordFault(ctx, r.uuid, { code: 500, message, details: message, host: null })
    await recordEvent(ctx, { ...r, event: EVENT, phase: 'finish', result: 'Error', host: null })
    return
  }
  const bound = await applyInstanceMoved(ctx, { uuid: r.uuid, host: dest, taskState: 'unshelving' })
  await recordEvent(ctx, { ...r, event: EVENT, phase: 'finish', result: 'Success', host: null })
  const moved = await getInstance(ctx.db, r.uuid)
  if (!moved || moved.deleted) return
  const imageId = moved.requestSpec.shelvedImageId
  await ctx.agents.unshelveInstance(dest, {
    uuid: r.uuid,
    requestId: r.requestId,
    spawn: true,
    spec: await withVolumesOn(
      ctx,
      moved,
      dest,
      await withConfigDrive(ctx, moved, {
        ...guestSpecOf(moved),
        ...(imageId ? { imageId } : {}),
      }),
    ),
    ...(imageId ? { imageId } : {}),
    ...(bound ? { vifWait: bound.vifWait } : {}),
  })
}
