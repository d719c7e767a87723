/** @module compute/conductor/move-destination: the scheduling step every move between hosts shares */
import { updateInstance } from '../db/instances-repo.js'
import { updateMigration } from '../db/migrations-repo.js'
import type { Instance } from '../model/instance.js'
import type { EvacuateRequest } from '../rpc/payloads.js'
import { now } from '../service/context.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'

/**
 * Starts the conductor's `event`, moves the server's allocation on its current host to the
 * migration's consumer and schedules (and claims) another host, `r.host` when given. On
 * success the migration gets `status` and its destination, and the host is returned; when no
 * host fits, the allocation goes back to the server, the migration errs, the server keeps its
 * host with the reason as its fault, the event finishes in error, and nothing is returned.
 */
export async function claimMoveDestination(
  ctx: ConductorContext,
  r: EvacuateRequest,
  instance: Instance & { host: string },
  step: { event: string; status: string },
): Promise<string | undefined> {
  const ref = { uuid: r.uuid, requestId: r.requestId }
  await recordEvent(ctx, { ...ref, event: step.event, phase: 'start', host: null })
  const owner = { projectId: instance.projectId, userId: instance.userId }
  const old = await ctx.placement.allocations(r.uuid)
  await ctx.placement.claim(r.migrationId, old, owner)
  let dest: string
  try {
    const selected = await ctx.scheduler.selectDestination({
      instance,
      excludeHosts: [instance.host],
      groupId: instance.requestSpec.groupId,
      ...(r.host ? { allowHosts: [r.host] } : {}),
    })
    dest = selected.host
  } catch (error) {
    await ctx.placement.claim(r.uuid, old, owner)
    await ctx.placement.release(r.migrationId)
    await updateMigration(ctx.db, r.migrationId, { status: 'error' }, now(ctx))
    const message = error instanceof Error ? error.message : String(error)
    await updateInstance(ctx.db, r.uuid, { taskState: null, updatedAt: now(ctx) })
    await recordFault(ctx, r.uuid, { code: 500, message, details: message, host: instance.host })
    await recordEvent(ctx, {
      ...ref,
      event: step.event,
      phase: 'finish',
      result: 'Error',
      host: null,
    })
    return undefined
  }
  await updateMigration(
    ctx.db,
    r.migrationId,
    { status: step.status, destCompute: dest, destNode: dest, destHost: dest },
    now(ctx),
  )
  return dest
}
