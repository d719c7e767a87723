/** @module compute/agent/operations/terminate-instance: destroy a guest, then let the conductor clean up */
import type { TerminateRequest } from '../../rpc/payloads.js'
import { asEvent, type AgentContext } from '../agent-context.js'

export async function terminateInstance(ctx: AgentContext, r: TerminateRequest): Promise<void> {
  await asEvent(ctx, r, 'compute_terminate_instance', () => ctx.driver.destroy(r.uuid))
  await ctx.conductor.instanceDestroyed({ uuid: r.uuid, host: ctx.host, requestId: r.requestId })
}
