/** @module compute/agent/operations/resize-instance: change a guest's size, or change it back */
import type { ResizeRequest } from '../../rpc/payloads.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'

export async function resizeInstance(ctx: AgentContext, r: ResizeRequest): Promise<void> {
  const event = r.phase === 'resize' ? 'compute_finish_resize' : 'compute_finish_revert_resize'
  try {
    await asEvent(ctx, r, event, () => ctx.driver.resize(r.uuid, r.size))
  } catch (error) {
    await failOperation(ctx, r.uuid, error)
    await ctx.conductor.instanceUpdate({
      uuid: r.uuid,
      changes: { vmState: 'error' },
      ...(r.migrationId ? { migration: { uuid: r.migrationId, status: 'error' } } : {}),
    })
    return
  }
  const power = await ctx.driver.powerState(r.uuid)
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes:
      r.phase === 'resize'
        ? { vmState: 'resized', taskState: null, powerState: power, newFlavorToCurrent: true }
        : {
            vmState: power === 4 ? 'stopped' : 'active',
            taskState: null,
            powerState: power,
            oldFlavorToCurrent: true,
          },
    ...(r.migrationId
      ? {
          migration: {
            uuid: r.migrationId,
            status: r.phase === 'resize' ? 'finished' : 'reverted',
          },
        }
      : {}),
  })
}
