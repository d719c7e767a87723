/** @module compute/service/server-lock: lock and unlock, with a reason (2.73) */
import { ForbiddenError } from '../../core/errors/index.js'
import type { Caller, ComputeContext } from './context.js'
import { startAction } from './instance-records.js'
import { findServer, transition } from './server-access.js'

export async function lockServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  reason: string | null,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  await transition(
    ctx,
    instance,
    'lock',
    {
      lockedBy: caller.isAdmin && caller.projectId !== instance.projectId ? 'admin' : 'owner',
      lockedReason: reason,
    },
    {},
  )
  await startAction(ctx, ctx.db, { uuid, action: 'lock', ...caller })
}

/** Unlocks; a lock an admin took can be lifted only by an admin (unlock_override). */
export async function unlockServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  if (instance.lockedBy === 'admin' && !caller.isAdmin) {
    throw new ForbiddenError(
      'Policy does not allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.',
    )
  }
  await transition(ctx, instance, 'unlock', { lockedBy: null, lockedReason: null }, {})
  await startAction(ctx, ctx.db, { uuid, action: 'unlock', ...caller })
}
