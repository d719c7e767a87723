/** @module compute/service/server-resize: resize to a flavor, then confirm or revert */
import { getFlavor as findFlavor } from '../db/catalog-repo.js'
import { ComputeValidationError, InstanceInvalidStateError } from '../errors.js'
import type { Caller, ComputeContext } from './context.js'
import { snapshotOf } from './flavors.js'
import { startAction } from './instance-records.js'
import { enforceQuota } from './quotas.js'
import { assertState, assertUnlocked, findServer, transition } from './server-access.js'

export async function resizeServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  flavorRef: string,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'resize', { vm: ['active', 'stopped'] })
  if (!instance.host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'resize')
  const flavor = await findFlavor(ctx.db, flavorRef)
  if (!flavor || flavor.disabled) {
    throw new ComputeValidationError(`Flavor ${flavorRef} could not be found.`)
  }
  if (flavor.flavorid === instance.flavor.flavorid) {
    throw new ComputeValidationError('When resizing, instances must change flavor!')
  }
  if (flavor.rootGb < instance.flavor.rootGb && instance.flavor.rootGb > 0) {
    throw new ComputeValidationError('Resize to zero disk flavor or smaller disk is not allowed.')
  }
  const owner = { projectId: instance.projectId, userId: instance.userId }
  await enforceQuota(ctx, owner, {
    cores: Math.max(0, flavor.vcpus - instance.flavor.vcpus),
    ram: Math.max(0, flavor.memoryMb - instance.flavor.memoryMb),
  })
  await transition(
    ctx,
    instance,
    'resize',
    { taskState: 'resize_prep', newFlavor: await snapshotOf(ctx, flavor) },
    { taskState: [null] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'resize', ...caller })
  await ctx.conductor.resizeInstance({
    uuid,
    flavorId: flavor.flavorid,
    requestId: caller.requestId,
  })
}

/** Keeps the new size: the old flavor's allocation is released. */
export async function confirmResize(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await findServer(ctx, caller, uuid)
  assertState(instance, 'confirmResize', { vm: ['resized'] })
  const migration = instance.requestSpec.migrationId
  if (migration) await ctx.placement.release(migration)
  await transition(
    ctx,
    instance,
    'confirmResize',
    {
      vmState: instance.powerState === 4 ? 'stopped' : 'active',
      oldFlavor: null,
      newFlavor: null,
      requestSpec: { ...instance.requestSpec, migrationId: undefined },
    },
    { taskState: [null], vmState: ['resized'] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'confirmResize', ...caller })
}

/** Goes back to the old size: the old allocation returns to the server, the new one is dropped. */
export async function revertResize(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await findServer(ctx, caller, uuid)
  assertState(instance, 'revertResize', { vm: ['resized'] })
  const old = instance.oldFlavor
  if (!old || !instance.host) {
    throw new InstanceInvalidStateError(uuid, 'vm_state', 'resized', 'revertResize')
  }
  await transition(
    ctx,
    instance,
    'revertResize',
    { taskState: 'resize_reverting' },
    {
      taskState: [null],
      vmState: ['resized'],
    },
  )
  const migration = instance.requestSpec.migrationId
  if (migration) {
    const held = await ctx.placement.allocations(migration)
    await ctx.placement.claim(uuid, held, {
      projectId: instance.projectId,
      userId: instance.userId,
    })
    await ctx.placement.release(migration)
  }
  await startAction(ctx, ctx.db, { uuid, action: 'revertResize', ...caller })
  await ctx.agents.resizeInstance(instance.host, {
    uuid,
    requestId: caller.requestId,
    phase: 'revert',
    size: { vcpus: old.vcpus, memoryMb: old.memoryMb, rootGb: old.rootGb },
  })
}
