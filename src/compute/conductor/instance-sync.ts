/** @module compute/conductor/instance-sync: state agents report, written for them */
import {
  getInstance,
  listInstances,
  purgeInstanceDetails,
  updateInstance,
} from '../db/instances-repo.js'
import type { Instance } from '../model/instance.js'
import { listMigrations, updateMigration } from '../db/migrations-repo.js'
import { DEFAULT_AVAILABILITY_ZONE } from '../model/host-provider.js'
import type {
  InstanceMovedRequest,
  InstanceMovedResult,
  InstanceUpdateRequest,
} from '../rpc/payloads.js'
import { hostZones } from '../service/aggregates.js'
import { releaseVolumes } from '../service/volume-release.js'
import { now } from '../service/context.js'
import { recordFault } from '../service/instance-records.js'
import { revertMoveClaims } from '../service/move-claims.js'
import { connectVolumesTo } from '../service/volume-connections.js'
import type { ConductorContext } from './conductor-context.js'
import { releasePorts } from './port-setup.js'

/** Applies an agent's state change if the task state still matches; the server or null. */
export async function applyInstanceUpdate(
  ctx: ConductorContext,
  r: InstanceUpdateRequest,
): Promise<Instance | null> {
  const current = await getInstance(ctx.db, r.uuid)
  if (!current || current.deleted) return null
  const c = r.changes
  const changes: Partial<Instance> = { updatedAt: now(ctx) }
  if (c.vmState !== undefined) changes.vmState = c.vmState
  if (c.taskState !== undefined) changes.taskState = c.taskState
  if (c.powerState !== undefined) changes.powerState = c.powerState
  if (c.progress !== undefined) changes.progress = c.progress
  if (c.launchedAt === 'now') changes.launchedAt = now(ctx)
  if (c.newFlavorToCurrent && current.newFlavor) {
    changes.flavor = current.newFlavor
    changes.oldFlavor = current.flavor
  }
  if (c.clearShelvedImage) {
    const { shelvedImageId: _dropped, ...spec } = current.requestSpec
    changes.requestSpec = spec
  }
  if (c.oldFlavorToCurrent && current.oldFlavor) {
    changes.flavor = current.oldFlavor
    changes.oldFlavor = null
    changes.newFlavor = null
  }
  // A delete in progress wins over anything an agent reports, except its own completion.
  const expected = r.expectTaskState ?? [
    ...(current.taskState === 'deleting' ? [] : [current.taskState]),
  ]
  const m = r.migration
  if (m?.expect) {
    const moved = await updateMigration(ctx.db, m.uuid, { status: m.status }, now(ctx), m.expect)
    if (!moved) return null
  }
  const updated = await updateInstance(ctx.db, r.uuid, changes, { taskState: expected })
  if (!updated) return null
  if (m) {
    if (!m.expect) await updateMigration(ctx.db, m.uuid, { status: m.status }, now(ctx))
    if (r.revertClaims) await revertMoveClaims(ctx, updated, m.uuid)
    // A finished live migration no longer holds the source host's resources.
    if (m.status === 'completed') await ctx.placement.release(m.uuid)
  }
  if (r.fault) {
    const f = r.fault
    await recordFault(ctx, r.uuid, { code: 500, ...f, host: updated.host })
  }
  return updated
}

/**
 * A moving server's guest is now on `host`: record it there, then bind its ports to that host
 * (in that order, so the ports' events go to the new host). The answer names the ports that
 * are not ACTIVE there yet, whose network-vif-plugged the agent waits for.
 */
export async function applyInstanceMoved(
  ctx: ConductorContext,
  r: InstanceMovedRequest,
): Promise<InstanceMovedResult | null> {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted) return null
  const zone = (await hostZones(ctx.db)).get(r.host) ?? DEFAULT_AVAILABILITY_ZONE
  const updated = await updateInstance(ctx.db, r.uuid, {
    host: r.host,
    node: r.host,
    availabilityZone: zone,
    taskState: r.taskState,
    updatedAt: now(ctx),
  })
  if (!updated) return null
  const ports: string[] = []
  for (const vif of instance.networkInfo) {
    const port = await ctx.network.bindPort(vif.portId, r.uuid, r.host)
    if (port.status !== 'ACTIVE') ports.push(port.id)
  }
  // The volumes' attachments follow the guest, also back to the source of a reverted or failed
  // move (whose server may never have left it); a move's destination spec already has them.
  await connectVolumesTo(ctx, instance, r.host).catch((error: unknown) => {
    ctx.logger.warn({ err: error, uuid: r.uuid, host: r.host }, 'volume attachments not moved')
  })
  return {
    uuid: updated.uuid,
    vifWait: {
      ports,
      timeoutSeconds: ctx.config.vifPluggingTimeout,
      fatal: ctx.config.vifPluggingIsFatal,
    },
  }
}

/**
 * A host is back: the evacuations made away from it are complete. Its guests of evacuated
 * servers were destroyed by its reconciliation; the allocations held there are released,
 * also for evacuations that failed on their destination (the server stays there, in ERROR).
 */
export async function recoverHost(ctx: ConductorContext, host: string): Promise<void> {
  const away = await listMigrations(ctx.db, { sourceCompute: host, migrationType: 'evacuation' })
  for (const m of away) {
    if (m.status !== 'done' && m.status !== 'failed') continue
    await ctx.placement.release(m.uuid)
    if (m.status === 'done')
      await updateMigration(ctx.db, m.uuid, { status: 'completed' }, now(ctx))
  }
}

/** The guest is gone: release ports and claims, and mark the server deleted. */
export async function completeDelete(ctx: ConductorContext, uuid: string): Promise<void> {
  const instance = await getInstance(ctx.db, uuid)
  if (!instance || instance.deleted) return
  await releasePorts(ctx, instance.networkInfo)
  await ctx.placement.release(uuid)
  const migration = instance.requestSpec.migrationId
  if (migration) await ctx.placement.release(migration)
  const shelved = instance.requestSpec.shelvedImageId
  if (shelved) await ctx.images.deleteImage(shelved).catch(() => undefined)
  await releaseVolumes(ctx, instance)
  const at = now(ctx)
  await updateInstance(ctx.db, uuid, {
    vmState: 'deleted',
    taskState: null,
    powerState: 0,
    deleted: true,
    deletedAt: at,
    terminatedAt: at,
    updatedAt: at,
  })
  await purgeInstanceDetails(ctx.db, uuid)
}

export async function instancesOnHost(ctx: ConductorContext, host: string) {
  const list = await listInstances(ctx.db, { host, deleted: false })
  return list.map((i) => ({ uuid: i.uuid, vmState: i.vmState, taskState: i.taskState }))
}
