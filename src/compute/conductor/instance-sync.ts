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
import type { InstanceMovedRequest, InstanceUpdateRequest } from '../rpc/payloads.js'
import { hostZones } from '../service/aggregates.js'
import { releaseVolumes } from '../service/volume-release.js'
import { now } from '../service/context.js'
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
  const updated = await updateInstance(ctx.db, r.uuid, changes, { taskState: expected })
  if (updated && r.migration) {
    await updateMigration(ctx.db, r.migration.uuid, { status: r.migration.status }, now(ctx))
    // A finished live migration no longer holds the source host's resources.
    if (r.migration.status === 'completed') await ctx.placement.release(r.migration.uuid)
  }
  return updated ?? null
}

/** A moving server's guest is now on `host`: record it there and bind its ports to that host. */
export async function applyInstanceMoved(ctx: ConductorContext, r: InstanceMovedRequest) {
  const instance = await getInstance(ctx.db, r.uuid)
  if (!instance || instance.deleted) return null
  for (const vif of instance.networkInfo) {
    await ctx.network.bindPort(vif.portId, r.uuid, r.host)
  }
  const zone = (await hostZones(ctx.db)).get(r.host) ?? DEFAULT_AVAILABILITY_ZONE
  const updated = await updateInstance(ctx.db, r.uuid, {
    host: r.host,
    node: r.host,
    availabilityZone: zone,
    taskState: r.taskState,
    updatedAt: now(ctx),
  })
  return updated ? { uuid: updated.uuid } : null
}

/**
 * A host is back: the evacuations made away from it are complete. Its guests of evacuated
 * servers were destroyed by its reconciliation; the allocations held there are released.
 */
export async function recoverHost(ctx: ConductorContext, host: string): Promise<void> {
  const done = await listMigrations(ctx.db, {
    sourceCompute: host,
    migrationType: 'evacuation',
    status: 'done',
  })
  for (const m of done) {
    await ctx.placement.release(m.uuid)
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
