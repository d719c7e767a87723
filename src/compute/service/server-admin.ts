/** @module compute/service/server-admin: admin-only state resets */
import type { Caller, ComputeContext } from './context.js'
import { startAction } from './instance-records.js'
import { findServer, transition } from './server-access.js'

/** `os-resetState`: forces vm_state to active or error and clears the task (Nova's reset). */
export async function resetServerState(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  state: 'active' | 'error',
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  await transition(ctx, instance, 'resetState', { vmState: state, taskState: null }, {})
  await startAction(ctx, ctx.db, { uuid, action: 'resetState', ...caller })
}
