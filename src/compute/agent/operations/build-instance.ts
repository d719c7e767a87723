/** @module compute/agent/operations/build-instance: spawn a guest and report it ACTIVE */
import { POWER_STATE } from '../../virt/compute-driver.js'
import type { BuildRequest } from '../../rpc/payloads.js'
import { asEvent, type AgentContext } from '../agent-context.js'

/** Spawns the guest; on failure destroys what is left and tells the conductor to reschedule. */
export async function buildInstance(ctx: AgentContext, request: BuildRequest): Promise<void> {
  const { spec } = request
  const ref = { uuid: spec.uuid, requestId: request.requestId }
  try {
    await asEvent(ctx, ref, 'compute_build_and_run_instance', async () => {
      const claimed = await ctx.conductor.instanceUpdate({
        uuid: spec.uuid,
        changes: { taskState: 'spawning' },
        expectTaskState: ['block_device_mapping', 'networking', 'scheduling', 'spawning'],
      })
      if (!claimed) throw new Error('the server was deleted before it spawned')
      await ctx.driver.spawn(spec)
    })
  } catch (error) {
    await ctx.driver.destroy(spec.uuid)
    const message = error instanceof Error ? error.message : String(error)
    await ctx.conductor.buildFailed({
      uuid: spec.uuid,
      requestId: request.requestId,
      host: ctx.host,
      message,
      details: error instanceof Error ? (error.stack ?? message) : message,
    })
    return
  }
  const done = await ctx.conductor.instanceUpdate({
    uuid: spec.uuid,
    changes: {
      vmState: 'active',
      taskState: null,
      powerState: POWER_STATE.running,
      launchedAt: 'now',
      progress: 100,
    },
    expectTaskState: ['spawning'],
  })
  // Deleted while spawning: the guest must not outlive its server.
  if (!done) await ctx.driver.destroy(spec.uuid)
}
