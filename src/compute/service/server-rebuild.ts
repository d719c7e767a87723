/** @module compute/service/server-rebuild: a new image on the same server, same ports */
import { setMetadata } from '../db/instances-repo.js'
import { ComputeValidationError, InstanceInvalidStateError } from '../errors.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { Instance } from '../model/instance.js'
import type { Caller, ComputeContext } from './context.js'
import { withConfigDrive } from './instance-metadata.js'
import { withVolumesOn } from './volume-connections.js'
import { startAction } from './instance-records.js'
import { assertState, assertUnlocked, findServer, transition } from './server-access.js'

export interface RebuildInput {
  imageRef: string
  name?: string
  metadata?: Record<string, string>
  description?: string | null
  accessIpv4?: string
  accessIpv6?: string
  diskConfig?: 'AUTO' | 'MANUAL'
}

export async function rebuildServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  input: RebuildInput,
): Promise<Instance> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'rebuild', { vm: ['active', 'stopped', 'error'] })
  if (!instance.host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'rebuild')
  const image = await ctx.images.getImage(input.imageRef)
  if (!image || image.status !== 'active') {
    throw new ComputeValidationError(`Image ${input.imageRef} could not be found.`)
  }
  const updated = await transition(
    ctx,
    instance,
    'rebuild',
    {
      taskState: 'rebuilding',
      imageRef: input.imageRef,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.accessIpv4 !== undefined ? { accessIpv4: input.accessIpv4 } : {}),
      ...(input.accessIpv6 !== undefined ? { accessIpv6: input.accessIpv6 } : {}),
      ...(input.diskConfig
        ? { requestSpec: { ...instance.requestSpec, diskConfig: input.diskConfig } }
        : {}),
    },
    { taskState: [null] },
  )
  if (input.metadata) await setMetadata(ctx.db, uuid, input.metadata, true)
  await startAction(ctx, ctx.db, { uuid, action: 'rebuild', ...caller })
  await ctx.agents.rebuildInstance(instance.host, {
    requestId: caller.requestId,
    spec: await withVolumesOn(
      ctx,
      updated,
      instance.host,
      await withConfigDrive(ctx, updated, guestSpecOf(updated)),
    ),
    stopAfter: instance.vmState === 'stopped',
  })
  return updated
}
