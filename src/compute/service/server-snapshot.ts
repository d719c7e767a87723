/** @module compute/service/server-snapshot: createImage, the snapshot uploaded to the image service */
import { InstanceInvalidStateError } from '../errors.js'
import type { Caller, ComputeContext } from './context.js'
import { assertHostCan } from './host-capabilities.js'
import { startAction } from './instance-records.js'
import { assertState, findServer, transition } from './server-access.js'

export async function snapshotServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  input: {
    name: string
    metadata: Record<string, string>
    action?: 'createImage' | 'createBackup'
  },
): Promise<string> {
  const instance = await findServer(ctx, caller, uuid)
  assertState(instance, 'createImage', {
    vm: ['active', 'stopped', 'paused', 'suspended'],
  })
  if (!instance.host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'createImage')
  await assertHostCan(ctx, instance, 'snapshot', input.action ?? 'createImage')
  const source = await ctx.images.getImage(instance.imageRef)
  await transition(
    ctx,
    instance,
    'createImage',
    { taskState: 'image_snapshot' },
    {
      taskState: [null],
    },
  )
  const image = await ctx.images
    .createImage({
      name: input.name,
      owner: instance.projectId,
      diskFormat: 'raw',
      containerFormat: 'bare',
      minDisk: instance.flavor.rootGb,
      minRam: source?.minRam ?? 0,
      // The request's metadata wins over Nova's own properties, as in Nova.
      properties: {
        image_type: 'snapshot',
        instance_uuid: uuid,
        base_image_ref: instance.imageRef,
        owner_user_name: caller.userId,
        user_id: caller.userId,
        ...input.metadata,
      },
    })
    .catch(async (error: unknown) => {
      await transition(
        ctx,
        instance,
        'createImage',
        { taskState: null },
        {
          taskState: ['image_snapshot'],
        },
      )
      throw error
    })
  await startAction(ctx, ctx.db, { uuid, action: input.action ?? 'createImage', ...caller })
  await ctx.agents.snapshotInstance(instance.host, {
    uuid,
    imageId: image.id,
    requestId: caller.requestId,
  })
  return image.id
}

/**
 * `createBackup`: a snapshot marked as a backup of `type`; older backups of the same server and
 * type beyond `rotation` are deleted (newest kept), as Nova's rotation does.
 */
export async function backupServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  input: { name: string; type: string; rotation: number; metadata: Record<string, string> },
): Promise<string> {
  const imageId = await snapshotServer(ctx, caller, uuid, {
    name: input.name,
    metadata: { ...input.metadata, image_type: 'backup', backup_type: input.type },
    action: 'createBackup',
  })
  const older = (await ctx.images.listImages())
    .filter(
      (i) =>
        i.id !== imageId &&
        i.properties['instance_uuid'] === uuid &&
        i.properties['image_type'] === 'backup' &&
        i.properties['backup_type'] === input.type,
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  for (const stale of older.slice(Math.max(0, input.rotation - 1))) {
    await ctx.images.deleteImage(stale.id)
  }
  return imageId
}
