/** @module compute/service/volume-release: a deleted server lets go of its volumes */
import { deleteBlockDevicesOf, listBlockDevices } from '../db/block-devices-repo.js'
import type { Instance } from '../model/instance.js'
import type { ComputeContext } from './context.js'

/**
 * Deletes the attachments of a server whose guest is gone (its volumes go back to `available`),
 * deletes the volumes marked `delete_on_termination`, then the mappings. A volume block storage
 * refuses is logged and left, as Nova does: the server's delete goes on.
 */
export async function releaseVolumes(
  ctx: Pick<ComputeContext, 'db' | 'logger' | 'volumesFor'>,
  instance: Pick<Instance, 'uuid' | 'projectId'>,
): Promise<void> {
  const devices = await listBlockDevices(ctx.db, [instance.uuid])
  const volumes = ctx.volumesFor(instance.projectId)
  for (const d of devices) {
    try {
      if (d.attachmentId) await volumes.deleteAttachment(d.attachmentId)
      if (d.volumeId && d.deleteOnTermination) await volumes.deleteVolume(d.volumeId)
    } catch (error) {
      ctx.logger.warn(
        { err: error, uuid: instance.uuid, volume: d.volumeId },
        'could not release a deleted server\u2019s volume',
      )
    }
  }
  await deleteBlockDevicesOf(ctx.db, instance.uuid)
}
