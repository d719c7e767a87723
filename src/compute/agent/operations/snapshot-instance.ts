/** @module compute/agent/operations/snapshot-instance: upload a guest's disk to the image service */
import type { SnapshotRequest } from '../../rpc/payloads.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'

export async function snapshotInstance(ctx: AgentContext, r: SnapshotRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_snapshot_instance', async () => {
      const data = await ctx.driver.snapshot(r.uuid)
      await ctx.conductor.instanceUpdate({
        uuid: r.uuid,
        changes: { taskState: 'image_uploading' },
      })
      await ctx.images.uploadData(r.imageId, data)
    })
  } catch (error) {
    await ctx.images.deleteImage(r.imageId).catch(() => undefined)
    await failOperation(ctx, r.uuid, error)
    return
  }
  await ctx.conductor.instanceUpdate({ uuid: r.uuid, changes: { taskState: null } })
}
