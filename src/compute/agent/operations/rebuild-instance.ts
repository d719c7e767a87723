/** @module compute/agent/operations/rebuild-instance: recreate a guest from a new image, same ports */
import type { RebuildRequest } from '../../rpc/payloads.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'
import { awaitMoveVifs, faultOf } from '../vif-wait.js'

export async function rebuildInstance(ctx: AgentContext, r: RebuildRequest): Promise<void> {
  const uuid = r.spec.uuid
  try {
    await asEvent(ctx, { uuid, requestId: r.requestId }, 'compute_rebuild_instance', async () => {
      await ctx.driver.destroy(uuid)
      await ctx.conductor.instanceUpdate({ uuid, changes: { taskState: 'rebuild_spawning' } })
      await ctx.driver.spawn(r.spec)
      await awaitMoveVifs(ctx, uuid, r.vifWait)
      if (r.stopAfter) await ctx.driver.powerOff(uuid)
    })
  } catch (error) {
    await failOperation(ctx, uuid, error)
    await ctx.conductor.instanceUpdate({
      uuid,
      changes: { vmState: 'error' },
      ...(r.migrationId ? { migration: { uuid: r.migrationId, status: 'failed' } } : {}),
      fault: faultOf(error),
    })
    return
  }
  await ctx.conductor.instanceUpdate({
    uuid,
    changes: {
      vmState: r.stopAfter ? 'stopped' : 'active',
      taskState: null,
      powerState: await ctx.driver.powerState(uuid),
      launchedAt: 'now',
    },
    ...(r.migrationId ? { migration: { uuid: r.migrationId, status: 'done' } } : {}),
  })
}
