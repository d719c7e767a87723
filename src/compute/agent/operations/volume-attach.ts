/** @module compute/agent/operations/volume-attach: plug a reserved volume into a guest, or unplug it */
import type { VolumeRequest } from '../../rpc/payloads.js'
import { asEvent, type AgentContext } from '../agent-context.js'

/** This host as block storage's connector describes it. */
function connectorOf(ctx: AgentContext, device: string) {
  return { host: ctx.host, mountpoint: device }
}

/**
 * Gives the reserved attachment this host's connector, plugs the volume in with the connection
 * info block storage answers, then completes the attachment (`in-use`). On failure the guest,
 * the attachment and the mapping are undone, and the event keeps the reason.
 */
export async function attachVolume(ctx: AgentContext, r: VolumeRequest): Promise<void> {
  const volumes = ctx.volumes(r.projectId)
  let plugged = false
  try {
    await asEvent(ctx, r, 'compute_attach_volume', async () => {
      if (!ctx.driver.capabilities.volumeAttach) {
        throw new Error(`the ${ctx.driver.name} driver of host ${ctx.host} cannot attach volumes`)
      }
      const attachment = await volumes.updateAttachment(r.attachmentId, connectorOf(ctx, r.device))
      if (!attachment.connectionInfo) {
        throw new Error(`block storage gave no connection info for volume ${r.volumeId}`)
      }
      await ctx.driver.attachVolume(r.uuid, {
        volumeId: r.volumeId,
        device: r.device,
        connection: attachment.connectionInfo,
        bootIndex: null,
        readOnly: attachment.attachMode === 'ro',
      })
      plugged = true
      await volumes.completeAttachment(r.attachmentId)
    })
  } catch (error) {
    ctx.logger.warn({ err: error, uuid: r.uuid, volume: r.volumeId }, 'volume attach failed')
    if (plugged) await ctx.driver.detachVolume(r.uuid, r.volumeId).catch(() => undefined)
    await volumes.deleteAttachment(r.attachmentId).catch(() => undefined)
    await ctx.conductor.blockDeviceGone({
      uuid: r.uuid,
      bdmUuid: r.bdmUuid,
      attachmentId: r.attachmentId,
    })
  }
}

/**
 * Unplugs the volume and deletes its attachment (`available` again), then forgets the mapping.
 * On failure the volume goes back to `in-use` and stays attached.
 */
export async function detachVolume(ctx: AgentContext, r: VolumeRequest): Promise<void> {
  const volumes = ctx.volumes(r.projectId)
  try {
    await asEvent(ctx, r, 'compute_detach_volume', async () => {
      await ctx.driver.detachVolume(r.uuid, r.volumeId)
      await volumes.deleteAttachment(r.attachmentId)
    })
  } catch (error) {
    ctx.logger.warn({ err: error, uuid: r.uuid, volume: r.volumeId }, 'volume detach failed')
    await volumes.rollDetaching(r.volumeId).catch(() => undefined)
    return
  }
  await ctx.conductor.blockDeviceGone({
    uuid: r.uuid,
    bdmUuid: r.bdmUuid,
    attachmentId: r.attachmentId,
  })
}
