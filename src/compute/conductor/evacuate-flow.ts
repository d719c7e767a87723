/** @module compute/conductor/evacuate-flow: rebuild a server of a dead host on another one */
import { getInstance } from '../db/instances-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { EvacuateRequest } from '../rpc/payloads.js'
import { withConfigDrive } from '../service/instance-metadata.js'
import { withVolumesOn } from '../service/volume-connections.js'
import { recordEvent } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'
import { claimMoveDestination } from './move-destination.js'
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
  const dest = await claimMoveDestination(
    ctx,
    r,
    { ...instance, host: source },
    {
      event: EVENT,
      status: 'pre-migrating',
    },
  )
  if (dest === undefined) return
  const bound = await applyInstanceMoved(ctx, { uuid: r.uuid, host: dest, taskState: 'rebuilding' })
  const moved = await getInstance(ctx.db, r.uuid)
  await recordEvent(ctx, { ...ref, event: EVENT, phase: 'finish', result: 'Success', host: null })
  if (!moved || moved.deleted) return
  await ctx.agents.rebuildInstance(dest, {
    requestId: r.requestId,
    spec: await withVolumesOn(
      ctx,
      moved,
      dest,
      await withConfigDrive(ctx, moved, guestSpecOf(moved)),
    ),
    stopAfter: instance.vmState === 'stopped',
    migrationId: r.migrationId,
    ...(bound ? { vifWait: bound.vifWait } : {}),
  })
}
