/** @module compute/agent/operations/live-migrate-instance: the destination and source steps of a live migration */
import type { MigrateRequest, TerminateRequest } from '../../rpc/payloads.js'
import { POWER_STATE } from '../../virt/compute-driver.js'
import { asEvent, type AgentContext } from '../agent-context.js'
import { awaitMoveVifs, faultOf } from '../vif-wait.js'

/** Statuses of a live migration that has not ended. */
const IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating']

/**
 * Gives the server back to its source, running as before, its claims back there. A failure
 * errs the migration with the reason as the server's fault; an abort leaves it cancelled.
 */
async function rollBack(
  ctx: AgentContext,
  r: MigrateRequest,
  why: { error: unknown } | { aborted: true },
): Promise<void> {
  const failed = 'error' in why
  if (failed) ctx.logger.warn({ err: why.error, uuid: r.uuid }, 'live migration failed')
  const settled = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {},
    expectTaskState: ['migrating'],
    migration: failed
      ? { uuid: r.migrationId, status: 'error', expect: IN_PROGRESS }
      : { uuid: r.migrationId, status: 'cancelled', expect: ['cancelled'] },
    revertClaims: true,
    ...(failed ? { fault: faultOf(why.error) } : {}),
  })
  // Not settled: the migration was settled elsewhere (a restart's recovery) or the server went.
  if (settled) {
    await ctx.conductor.instanceMoved({ uuid: r.uuid, host: r.sourceHost, taskState: null })
  }
}

/**
 * Destination: the migration runs (unless it was aborted while queued), the guest starts here
 * (paused again if it was), the ports are bound here and their plugging awaited; then, unless
 * it was aborted meanwhile, the source cleans up.
 */
export async function liveMigrateDestination(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  const running = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {},
    expectTaskState: ['migrating'],
    migration: { uuid: r.migrationId, status: 'running', expect: ['queued', 'preparing'] },
  })
  if (!running) return rollBack(ctx, r, { aborted: true })
  try {
    await asEvent(ctx, r, 'compute_live_migration', async () => {
      await ctx.driver.spawn(r.spec)
      if (r.paused) await ctx.driver.pause(r.uuid)
      const moved = await ctx.conductor.instanceMoved({
        uuid: r.uuid,
        host: ctx.host,
        taskState: 'migrating',
      })
      await awaitMoveVifs(ctx, r.uuid, moved?.vifWait)
    })
  } catch (error) {
    await ctx.driver.destroy(r.uuid)
    await rollBack(ctx, r, { error })
    return
  }
  const over = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {},
    expectTaskState: ['migrating'],
    migration: { uuid: r.migrationId, status: 'post-migrating', expect: ['running'] },
  })
  if (!over) {
    await ctx.driver.destroy(r.uuid)
    await rollBack(ctx, r, { aborted: true })
    return
  }
  await ctx.agents.liveMigrateSource(r.sourceHost, r)
}

/** Source: the guest that moved goes; the server ends where it now runs, in its own state. */
export async function liveMigrateSource(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  // Completed first: a late step after a restart's recovery rolled back must keep the guest.
  const done = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: { taskState: null },
    expectTaskState: ['migrating'],
    migration: { uuid: r.migrationId, status: 'completed', expect: ['post-migrating'] },
  })
  if (!done) return
  await asEvent(ctx, r, 'compute_post_live_migration', () => ctx.driver.destroy(r.uuid)).catch(
    (error: unknown) => ctx.logger.warn({ err: error, uuid: r.uuid }, 'source cleanup failed'),
  )
}

/**
 * Source: makes the migration converge as libvirt does without post-copy, by pausing the
 * source's guest (its memory stops changing); the guest resumes at the destination.
 */
export async function liveMigrationForceComplete(
  ctx: AgentContext,
  r: TerminateRequest,
): Promise<void> {
  await asEvent(ctx, r, 'compute_live_migration_force_complete', async () => {
    if ((await ctx.driver.powerState(r.uuid)) === POWER_STATE.running) {
      await ctx.driver.pause(r.uuid)
    }
  })
}
