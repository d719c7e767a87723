/** @module compute/agent/operations/shelve-instance: shelve, offload and unshelve a guest */
import { POWER_STATE } from '../../virt/compute-driver.js'
import type { ShelveRequest, TerminateRequest, UnshelveRequest } from '../../rpc/payloads.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'
import { awaitMoveVifs } from '../vif-wait.js'
import { uploadSnapshot } from './snapshot-instance.js'

/** Powers off, uploads the snapshot, and leaves the server SHELVED (or goes on to offload). */
export async function shelveInstance(ctx: AgentContext, r: ShelveRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_shelve_instance', async () => {
      await ctx.driver.powerOff(r.uuid)
      await ctx.conductor.instanceUpdate({
        uuid: r.uuid,
        changes: { taskState: 'shelving_image_pending_upload' },
      })
      await uploadSnapshot(ctx, r.imageId, await ctx.driver.snapshot(r.uuid), () =>
        ctx.conductor.instanceUpdate({
          uuid: r.uuid,
          changes: { taskState: 'shelving_image_uploading' },
        }),
      )
    })
  } catch (error) {
    await ctx.images.deleteImage(r.imageId).catch(() => undefined)
    await failOperation(ctx, r.uuid, error)
    await ctx.conductor.instanceUpdate({ uuid: r.uuid, changes: { clearShelvedImage: true } })
    return
  }
  const shelved = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {
      vmState: 'shelved',
      taskState: r.offload ? 'shelving_offloading' : null,
      powerState: await ctx.driver.powerState(r.uuid),
    },
    expectTaskState: ['shelving_image_uploading'],
  })
  if (shelved && r.offload) await shelveOffloadInstance(ctx, r)
}

/** Destroys the shelved guest; the conductor frees the host and unbinds the ports. */
export async function shelveOffloadInstance(ctx: AgentContext, r: TerminateRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_shelve_offload_instance', () => ctx.driver.destroy(r.uuid))
  } catch (error) {
    await failOperation(ctx, r.uuid, error)
    return
  }
  await ctx.conductor.instanceOffloaded({ uuid: r.uuid })
}

/** Powers the kept guest on, or spawns it from the snapshot; the snapshot is then deleted. */
export async function unshelveInstance(ctx: AgentContext, r: UnshelveRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_unshelve_instance', async () => {
      if (!r.spawn) return ctx.driver.powerOn(r.uuid)
      if (!r.spec) throw new Error('unshelve after an offload needs the guest to spawn')
      await ctx.conductor.instanceUpdate({ uuid: r.uuid, changes: { taskState: 'spawning' } })
      await ctx.driver.spawn(r.spec)
      await awaitMoveVifs(ctx, r.uuid, r.vifWait)
    })
  } catch (error) {
    if (r.spawn) {
      await ctx.driver.destroy(r.uuid)
      ctx.logger.warn({ err: error, uuid: r.uuid }, 'unshelve failed')
      const failure = error instanceof Error ? error.message : String(error)
      await ctx.conductor.instanceOffloaded({ uuid: r.uuid, failure })
    } else {
      await failOperation(ctx, r.uuid, error)
    }
    return
  }
  const back = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {
      vmState: 'active',
      taskState: null,
      powerState: POWER_STATE.running,
      launchedAt: 'now',
      clearShelvedImage: true,
    },
  })
  if (back && r.imageId) await ctx.images.deleteImage(r.imageId).catch(() => undefined)
}
