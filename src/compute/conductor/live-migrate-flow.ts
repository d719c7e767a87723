/** @module compute/conductor/live-migrate-flow: schedule a live migration and start it at the destination */
import { getInstance } from '../db/instances-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { EvacuateRequest } from '../rpc/payloads.js'
import { withConfigDrive } from '../service/instance-metadata.js'
import { withVolumesOn } from '../service/volume-connections.js'
import { recordEvent } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'
import { claimMoveDestination } from './move-destination.js'

const EVENT = 'conductor_live_migrate_instance'

/**
 * The source's allocation moves to the migration's consumer and the destination is claimed
 * for the server (released when the source has cleaned up); the migration is queued for the
 * destination's agent, which starts the guest, then the source's destroys its own. No host:
 * the server stays where it is.
 */
export async function liveMigrateInstance(
  ctx: ConductorContext,
  r: EvacuateRequest,
): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted || instance.taskState !== 'migrating' || !instance.host) return
  const source = instance.host
  const ref = { uuid: r.uuid, requestId: r.requestId }
  const dest = await claimMoveDestination(
    ctx,
    r,
    { ...instance, host: source },
    {
      event: EVENT,
      status: 'queued',
    },
  )
  if (dest === undefined) return
  await recordEvent(ctx, { ...ref, event: EVENT, phase: 'finish', result: 'Success', host: null })
  await ctx.agents.liveMigrateDestination(dest, {
    ...ref,
    migrationId: r.migrationId,
    sourceHost: source,
    destHost: dest,
    spec: await withVolumesOn(
      ctx,
      instance,
      dest,
      await withConfigDrive(ctx, instance, guestSpecOf(instance)),
    ),
    stopped: false,
    paused: instance.vmState === 'paused',
  })
}
