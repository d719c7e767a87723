/** @module compute/agent/operations/live-migrate-instance: the destination and source steps of a live migration */
import type { MigrateRequest } from '../../rpc/payloads.js'
import { asEvent, type AgentContext } from '../agent-context.js'

/** Gives the server back to its source, running as before, with the migration failed. */
async function rollBack(ctx: AgentContext, r: MigrateRequest, error: unknown): Promise<void> {
  ctx.logger.warn({ err: error, uuid: r.uuid }, 'live migration failed')
  await ctx.conductor.instanceMoved({ uuid: r.uuid, host: r.sourceHost, taskState: null })
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {},
    migration: { uuid: r.migrationId, status: 'error' },
  })
}

/** Destination: the guest starts here (paused again if it was), then the source cleans up. */
export async function liveMigrateDestination(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_live_migration', async () => {
      await ctx.driver.spawn(r.spec)
      if (r.paused) await ctx.driver.pause(r.uuid)
      await ctx.conductor.instanceMoved({ uuid: r.uuid, host: ctx.host, taskState: 'migrating' })
    })
  } catch (error) {
    await ctx.driver.destroy(r.uuid)
    await rollBack(ctx, r, error)
    return
  }
  await ctx.agents.liveMigrateSource(r.sourceHost, r)
}

/** Source: the guest that moved goes; the server ends where it now runs, in its own state. */
export async function liveMigrateSource(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  await asEvent(ctx, r, 'compute_post_live_migration', () => ctx.driver.destroy(r.uuid)).catch(
    (error: unknown) => ctx.logger.warn({ err: error, uuid: r.uuid }, 'source cleanup failed'),
  )
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: { taskState: null },
    expectTaskState: ['migrating'],
    migration: { uuid: r.migrationId, status: 'completed' },
  })
}
