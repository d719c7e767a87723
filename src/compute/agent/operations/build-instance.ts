/** @module compute/agent/operations/build-instance: spawn a guest and report it ACTIVE */
import { POWER_STATE } from '../../virt/compute-driver.js'
import type { BuildRequest } from '../../rpc/payloads.js'
import { asEvent, type AgentContext } from '../agent-context.js'

/** The build cannot go on anywhere: the conductor gives up instead of trying another host. */
class BuildAbortedError extends Error {
  readonly abort = true
}

/** Waits for the ports' network-vif-plugged events; throws when that is fatal and they fail. */
async function awaitVifs(ctx: AgentContext, request: BuildRequest): Promise<void> {
  const wait = request.vifWait
  if (!wait || wait.ports.length === 0 || wait.timeoutSeconds <= 0) return
  const uuid = request.spec.uuid
  const outcome = await ctx.events.waitForVifs(uuid, wait.ports, wait.timeoutSeconds * 1000)
  if (outcome.kind === 'completed') return
  const why =
    outcome.kind === 'timeout'
      ? `timed out after ${wait.timeoutSeconds} s waiting for network-vif-plugged of ports ${outcome.missing.join(', ')}`
      : `network-vif-plugged failed for port ${outcome.tag}`
  if (!wait.fatal) {
    ctx.logger.warn({ uuid }, `vif plugging ${why}; going on (vif_plugging_is_fatal is false)`)
    return
  }
  throw new BuildAbortedError(
    `Build of instance ${uuid} aborted: Failed to allocate the network(s), not rescheduling. (${why})`,
  )
}

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
      // the driver starts the guest once its ports are plugged, as Nova does
      let waited = false
      await ctx.driver.spawn(spec, undefined, {
        networkReady: async () => {
          waited = true
          await awaitVifs(ctx, request)
        },
      })
      if (!waited) await awaitVifs(ctx, request)
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
      ...(error instanceof BuildAbortedError ? { abort: true } : {}),
    })
    return
  } finally {
    ctx.events.forget(spec.uuid)
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
