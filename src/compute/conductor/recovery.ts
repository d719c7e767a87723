/** @module compute/conductor/recovery: on start, finish or fail builds and moves a conductor crash interrupted */
import { listInstances, updateInstance } from '../db/instances-repo.js'
import { now } from '../service/context.js'
import { buildInstance } from './build-flow.js'
import type { ConductorContext } from './conductor-context.js'
import { recoverConductorMoves } from './move-recovery.js'
import { releasePorts } from './port-setup.js'

const CONDUCTOR_TASKS = ['scheduling', 'networking', 'block_device_mapping'] as const

/**
 * Servers left in BUILD in a task only the conductor advances (it stopped mid-flow) have their
 * ports and claims released and are built again from scheduling; a server in `deleting` that
 * never reached a host is deleted. Moves the conductor had not handed to an agent are undone
 * first. Agents reconcile their own servers (see agent/reconcile).
 */
export async function recoverInterruptedBuilds(ctx: ConductorContext): Promise<number> {
  await recoverConductorMoves(ctx)
  const stuck = (await listInstances(ctx.db, { deleted: false, vmStates: ['building'] })).filter(
    (i) => i.taskState !== null && (CONDUCTOR_TASKS as readonly string[]).includes(i.taskState),
  )
  for (const instance of stuck) {
    await releasePorts(ctx, instance.networkInfo)
    await ctx.placement.release(instance.uuid)
    const reset = await updateInstance(
      ctx.db,
      instance.uuid,
      { taskState: 'scheduling', host: null, node: null, networkInfo: [], updatedAt: now(ctx) },
      { taskState: [instance.taskState] },
    )
    if (reset) await buildInstance(ctx, instance.uuid, `req-recovery-${instance.uuid}`)
  }
  return stuck.length
}
