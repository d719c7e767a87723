/** @module compute/service/boot-volume-reservations: a new server reserves the volumes it is given */
import { ComputeValidationError } from '../errors.js'
import type { BlockDevice } from '../model/block-device.js'
import type { ComputeContext } from './context.js'
import { refusal, type VolumeCaller } from './server-volumes.js'

/**
 * Reserves each existing volume of a create for its server (a v3 attachment without connector,
 * as Nova's API does), so no other server takes it before the build; all or none.
 */
export async function reserveBootVolumes(
  ctx: ComputeContext,
  caller: VolumeCaller,
  devices: BlockDevice[],
): Promise<BlockDevice[]> {
  const volumes = ctx.volumesFor(caller.projectId, caller.token)
  const out: BlockDevice[] = []
  try {
    for (const d of devices) {
      if (d.sourceType !== 'volume' || !d.volumeId) {
        out.push(d)
        continue
      }
      const a = await volumes.createAttachment({
        volumeId: d.volumeId,
        instanceUuid: d.instanceUuid,
      })
      out.push({ ...d, attachmentId: a.id })
    }
    return out
  } catch (error) {
    for (const d of out) {
      if (d.attachmentId) await volumes.deleteAttachment(d.attachmentId).catch(() => undefined)
    }
    const why = refusal(error)
    throw why ? new ComputeValidationError(`Invalid volume: ${why}`) : error
  }
}
