/** @module compute/service/server-resize: resize to a flavor, then confirm or revert */
import { getFlavor as findFlavor } from '../db/catalog-repo.js'
import { ComputeValidationError, InstanceInvalidStateError } from '../errors.js'
import { getMigration, updateMigration } from '../db/migrations-repo.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { Instance } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { snapshotOf } from './flavors.js'
import { assertHostCan } from './host-capabilities.js'
import { startAction } from './instance-records.js'
import { enforceQuota } from './quotas.js'
import { assertState, assertUnlocked, findServer, transition } from './server-access.js'

export async function resizeServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  flavorRef: string,
  options: { diskConfig?: 'AUTO' | 'MANUAL' } = {},
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'resize', { vm: ['active', 'stopped'] })
  if (!instance.host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'resize')
  await assertHostCan(ctx, instance, 'resize', 'resize')
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
  // ephemeral disks hold data and never shrink (Nova's drivers refuse as "Unable to resize disk down")
  const ephemeralGb = ephemeralGbOf(instance)
  if (flavor.ephemeralGb < ephemeralGb) {
    throw new ComputeValidationError(
      `Unable to resize disk down: the server's ephemeral disks hold ${ephemeralGb} GB and flavor ${flavor.flavorid} gives ${flavor.ephemeralGb} GB.`,
    )
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
    {
      taskState: 'resize_prep',
      newFlavor: await snapshotOf(ctx, flavor),
      ...(options.diskConfig
        ? { requestSpec: { ...instance.requestSpec, diskConfig: options.diskConfig } }
        : {}),
    },
    { taskState: [null] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'resize', ...caller })
  await ctx.conductor.resizeInstance({ uuid, requestId: caller.requestId, kind: 'resize' })
}

/** The GB of a server's ephemeral disks: its mappings' when it asked for some, else its flavor's. */
function ephemeralGbOf(instance: Instance): number {
  const asked = instance.requestSpec.localDisks?.ephemerals
  if (asked && asked.length > 0) return asked.reduce((sum, e) => sum + e.sizeGb, 0)
  return instance.flavor.ephemeralGb
}

/**
 * Keeps the new size (or host): the old allocation is released, and after a migration the guest
 * left on the source host is destroyed.
 */
export async function confirmResize(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await findServer(ctx, caller, uuid)
  assertState(instance, 'confirmResize', { vm: ['resized'] })
  const migrationId = instance.requestSpec.migrationId
  const record = migrationId ? await getMigration(ctx.db, migrationId) : undefined
  if (migrationId) await ctx.placement.release(migrationId)
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
  if (!record) return
  await updateMigration(ctx.db, record.uuid, { status: 'confirmed' }, now(ctx))
  if (record.sourceCompute && record.sourceCompute !== instance.host) {
    await ctx.agents.confirmMigration(record.sourceCompute, { uuid, requestId: caller.requestId })
  }
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
  const migrationId = instance.requestSpec.migrationId
  const record = migrationId ? await getMigration(ctx.db, migrationId) : undefined
  if (migrationId) {
    const held = await ctx.placement.allocations(migrationId)
    await ctx.placement.claim(uuid, held, {
      projectId: instance.projectId,
      userId: instance.userId,
    })
    await ctx.placement.release(migrationId)
    await updateMigration(ctx.db, migrationId, { status: 'reverting' }, now(ctx))
  }
  await startAction(ctx, ctx.db, { uuid, action: 'revertResize', ...caller })
  const source = record?.sourceCompute
  if (record && source && source !== instance.host) {
    await ctx.agents.revertMigration(instance.host, {
      uuid,
      requestId: caller.requestId,
      migrationId: record.uuid,
      sourceHost: source,
      destHost: instance.host,
      spec: guestSpecOf({ ...instance, flavor: old }),
      stopped: instance.powerState === 4,
    })
    return
  }
  await ctx.agents.resizeInstance(instance.host, {
    uuid,
    requestId: caller.requestId,
    phase: 'revert',
    size: {
      vcpus: old.vcpus,
      memoryMb: old.memoryMb,
      rootGb: old.rootGb,
      ephemeralGb: old.ephemeralGb,
      swapMb: instance.requestSpec.localDisks?.swapMb ?? old.swap,
    },
    ...(migrationId ? { migrationId } : {}),
  })
}
