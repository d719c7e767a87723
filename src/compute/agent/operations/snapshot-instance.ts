/** @module compute/agent/operations/snapshot-instance: upload a guest's disk to the image service */
import type { SnapshotRequest } from '../../rpc/payloads.js'
import type { GuestSnapshot } from '../../virt/compute-driver.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'

/** Sends a snapshot to the image service as it is read, then removes it from the host. */
export async function uploadSnapshot(
  ctx: AgentContext,
  imageId: string,
  snapshot: GuestSnapshot,
  beforeUpload: () => Promise<unknown>,
): Promise<void> {
  try {
    await beforeUpload()
    // the image was recorded before the driver said what its snapshot is (a qcow2 disk, a docker archive)
    await ctx.images.setFormats(imageId, snapshot)
    await ctx.images.uploadStream(imageId, snapshot.data, snapshot.size)
  } finally {
    await snapshot.release()
  }
}

export async function snapshotInstance(ctx: AgentContext, r: SnapshotRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_snapshot_instance', async () => {
      await uploadSnapshot(ctx, r.imageId, await ctx.driver.snapshot(r.uuid), () =>
        ctx.conductor.instanceUpdate({ uuid: r.uuid, changes: { taskState: 'image_uploading' } }),
      )
    })
  } catch (error) {
    await ctx.images.deleteImage(r.imageId).catch(() => undefined)
    await failOperation(ctx, r.uuid, error)
    return
  }
  await ctx.conductor.instanceUpdate({ uuid: r.uuid, changes: { taskState: null } })
}
