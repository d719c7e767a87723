/** @module compute/service/server-shelve: shelve, shelveOffload and unshelve */
import { ComputeValidationError, InstanceInvalidStateError } from '../errors.js'
import { DEFAULT_AVAILABILITY_ZONE } from '../model/host-provider.js'
import { hostZones } from './aggregates.js'
import type { Caller, ComputeContext } from './context.js'
import { startAction } from './instance-records.js'
import { assertState, assertUnlocked, findServer, transition } from './server-access.js'

/**
 * Powers the server off and snapshots it to the image service (`<name>-shelved`); with
 * `shelved_offload_time` 0 the guest is then destroyed and its host's resources freed.
 */
export async function shelveServer(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'shelve', { vm: ['active', 'stopped', 'paused', 'suspended'] })
  const host = instance.host
  if (!host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'shelve')
  const source = await ctx.images.getImage(instance.imageRef)
  await transition(ctx, instance, 'shelve', { taskState: 'shelving' }, { taskState: [null] })
  const image = await ctx.images
    .createImage({
      name: `${instance.name}-shelved`,
      owner: instance.projectId,
      diskFormat: 'raw',
      containerFormat: 'bare',
      minDisk: instance.flavor.rootGb,
      minRam: source?.minRam ?? 0,
      properties: {
        image_type: 'snapshot',
        instance_uuid: uuid,
        base_image_ref: instance.imageRef,
        user_id: caller.userId,
      },
    })
    .catch(async (error: unknown) => {
      await transition(ctx, instance, 'shelve', { taskState: null }, { taskState: ['shelving'] })
      throw error
    })
  await transition(
    ctx,
    instance,
    'shelve',
    { requestSpec: { ...instance.requestSpec, shelvedImageId: image.id } },
    { taskState: ['shelving'] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'shelve', ...caller })
  await ctx.agents.shelveInstance(host, {
    uuid,
    requestId: caller.requestId,
    imageId: image.id,
    offload: ctx.config.shelvedOffloadTime === 0,
  })
}

/** Destroys a shelved server's guest and frees its host (admin). */
export async function shelveOffloadServer(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'shelveOffload', { vm: ['shelved'] })
  const host = instance.host
  if (!host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'shelveOffload')
  await transition(
    ctx,
    instance,
    'shelveOffload',
    { taskState: 'shelving_offloading' },
    { taskState: [null] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'shelveOffload', ...caller })
  await ctx.agents.shelveOffloadInstance(host, { uuid, requestId: caller.requestId })
}

/**
 * Brings a shelved server back: on its own host when it is still there, else scheduled anew
 * (to `availabilityZone` when given, 2.77+) and spawned from its shelved snapshot.
 */
export async function unshelveServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  availabilityZone: string | null,
) {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'unshelve', { vm: ['shelved', 'shelved_offloaded'] })
  if (availabilityZone !== null) {
    if (instance.vmState !== 'shelved_offloaded') {
      throw new InstanceInvalidStateError(uuid, 'vm_state', instance.vmState, 'unshelve')
    }
    const zones = new Set([DEFAULT_AVAILABILITY_ZONE, ...(await hostZones(ctx.db)).values()])
    if (!zones.has(availabilityZone)) {
      throw new ComputeValidationError(
        `The requested availability zone is not available: ${availabilityZone}`,
      )
    }
  }
  await transition(
    ctx,
    instance,
    'unshelve',
    {
      taskState: 'unshelving',
      ...(availabilityZone !== null ? { availabilityZone } : {}),
    },
    { taskState: [null] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'unshelve', ...caller })
  if (instance.vmState === 'shelved' && instance.host) {
    await ctx.agents.unshelveInstance(instance.host, {
      uuid,
      requestId: caller.requestId,
      spawn: false,
      ...(instance.requestSpec.shelvedImageId
        ? { imageId: instance.requestSpec.shelvedImageId }
        : {}),
    })
    return
  }
  await ctx.conductor.unshelveInstance({ uuid, requestId: caller.requestId })
}
