/** @module compute/conductor/instance-sync: state agents report, written for them */
import {
  getInstance,
  listInstances,
  purgeInstanceDetails,
  updateInstance,
} from '../db/instances-repo.js'
import type { Instance } from '../model/instance.js'
import type { InstanceUpdateRequest } from '../rpc/payloads.js'
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
  return updated ?? null
}

/** The guest is gone: release ports and claims, and mark the server deleted. */
export async function completeDelete(ctx: ConductorContext, uuid: string): Promise<void> {
  const instance = await getInstance(ctx.db, uuid)
  if (!instance || instance.deleted) return
  await releasePorts(ctx, instance.networkInfo)
  await ctx.placement.release(uuid)
  const migration = instance.requestSpec.migrationId
  if (migration) await ctx.placement.release(migration)
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
