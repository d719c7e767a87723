/** @module compute/conductor/resize-flow: move the old claim aside, claim the destination, resize or migrate */
import { getInstance, updateInstance } from '../db/instances-repo.js'
import { createMigration, updateMigration } from '../db/migrations-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { ResizeInstanceRequest } from '../rpc/payloads.js'
import { now } from '../service/context.js'
import { withConfigDrive } from '../service/instance-metadata.js'
import { withVolumesOn } from '../service/volume-connections.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'

const EVENT = 'conductor_migrate_server'

/**
 * A resize stays on the server's own host (Nova with allow_resize_to_same_host); a cold
 * migration goes to another host (the one asked for, or the scheduler's pick). Either way the
 * old allocation moves to the migration's consumer and the new one is claimed for the server:
 * confirm releases the migration's consumer, revert swaps back.
 */
export async function resizeInstance(
  ctx: ConductorContext,
  r: ResizeInstanceRequest,
): Promise<void> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.taskState !== 'resize_prep' || !instance.newFlavor || !instance.host) {
    return
  }
  const kind = r.kind ?? 'resize'
  const source = instance.host
  await recordEvent(ctx, { ...r, event: EVENT, phase: 'start', host: null })
  const migrationId = ctx.ids.uuid()
  const owner = { projectId: instance.projectId, userId: instance.userId }
  await createMigration(ctx.db, {
    uuid: migrationId,
    instanceUuid: r.uuid,
    migrationType: kind,
    status: 'pre-migrating',
    sourceCompute: source,
    sourceNode: instance.node,
    destCompute: null,
    destNode: null,
    destHost: null,
    oldFlavorId: instance.flavor.flavorid,
    newFlavorId: instance.newFlavor.flavorid,
    ...owner,
    createdAt: now(ctx),
  })
  const old = await ctx.placement.allocations(r.uuid)
  await ctx.placement.claim(migrationId, old, owner)
  let dest: string
  try {
    const allowHosts = kind === 'resize' ? [source] : r.host ? [r.host] : undefined
    const selected = await ctx.scheduler.selectDestination({
      instance: { ...instance, flavor: instance.newFlavor },
      excludeHosts: kind === 'migration' ? [source] : [],
      groupId: instance.requestSpec.groupId,
      ...(allowHosts ? { allowHosts } : {}),
    })
    dest = selected.host
  } catch (error) {
    await ctx.placement.claim(r.uuid, old, owner)
    await ctx.placement.release(migrationId)
    await updateMigration(ctx.db, migrationId, { status: 'error' }, now(ctx))
    const message = error instanceof Error ? error.message : String(error)
    await updateInstance(ctx.db, r.uuid, { taskState: null, newFlavor: null, updatedAt: now(ctx) })
    await recordFault(ctx, r.uuid, { code: 500, message, details: message, host: source })
    await recordEvent(ctx, { ...r, event: EVENT, phase: 'finish', result: 'Error', host: null })
    return
  }
  const moving = await updateInstance(
    ctx.db,
    r.uuid,
    {
      taskState: dest === source ? 'resize_migrated' : 'resize_migrating',
      requestSpec: { ...instance.requestSpec, migrationId },
      updatedAt: now(ctx),
    },
    { taskState: ['resize_prep'] },
  )
  await updateMigration(
    ctx.db,
    migrationId,
    { status: 'migrating', destCompute: dest, destNode: dest, destHost: dest },
    now(ctx),
  )
  await recordEvent(ctx, { ...r, event: EVENT, phase: 'finish', result: 'Success', host: null })
  if (!moving) return
  const f = instance.newFlavor
  if (dest === source) {
    await ctx.agents.resizeInstance(source, {
      uuid: r.uuid,
      requestId: r.requestId,
      phase: 'resize',
      size: {
        vcpus: f.vcpus,
        memoryMb: f.memoryMb,
        rootGb: f.rootGb,
        ephemeralGb: f.ephemeralGb,
        swapMb: f.swap,
      },
      migrationId,
    })
    return
  }
  await ctx.agents.migrateInstance(source, {
    uuid: r.uuid,
    requestId: r.requestId,
    migrationId,
    sourceHost: source,
    destHost: dest,
    spec: await withVolumesOn(
      ctx,
      moving,
      dest,
      await withConfigDrive(ctx, moving, guestSpecOf({ ...moving, flavor: f })),
    ),
    stopped: instance.vmState === 'stopped',
  })
}
