/** @module compute/agent/reconcile: on start, make the host and the database agree (Nova's init_host) */
import type { AgentContext } from './agent-context.js'

/**
 * Has the conductor settle the moves this host was part of (see conductor/move-recovery),
 * then starts the guests it gave back; answers the guests kept for servers now elsewhere.
 */
async function recoverMoveGuests(ctx: AgentContext, guests: Set<string>): Promise<Set<string>> {
  const settled = await ctx.conductor.recoverMoves({ host: ctx.host, guests: [...guests] })
  for (const g of settled.guests) {
    if (g.guest !== 'start' || !guests.has(g.uuid)) continue
    await ctx.driver.powerOn(g.uuid).catch((error: unknown) => {
      ctx.logger.warn({ err: error, uuid: g.uuid }, 'starting a guest a move gave back failed')
    })
  }
  return new Set(settled.guests.map((g) => g.uuid))
}

/**
 * Finishes or fails what a crash interrupted (moves first, as the conductor settles them): a build whose guest exists becomes ACTIVE, one
 * without a guest fails (and is rescheduled); a delete is completed; any other task state is
 * cleared with the guest's real power state; guests the database does not know are destroyed.
 */
export async function reconcileHost(ctx: AgentContext): Promise<void> {
  const guests = new Set(await ctx.driver.listGuests())
  const keep = await recoverMoveGuests(ctx, guests)
  const known = await ctx.conductor.instancesOnHost(ctx.host)
  for (const instance of known) {
    const { uuid } = instance
    const power = await ctx.driver.powerState(uuid)
    const requestId = `req-init-host-${ctx.host}`
    if (instance.taskState === 'deleting') {
      await ctx.driver.destroy(uuid)
      await ctx.conductor.instanceDestroyed({ uuid, host: ctx.host, requestId })
    } else if (instance.vmState === 'building' && instance.taskState !== 'spawning') {
      // Scheduling, networking and block device mapping belong to the conductor's recovery.
      guests.delete(uuid)
      continue
    } else if (instance.vmState === 'building') {
      if (guests.has(uuid)) {
        await ctx.conductor.instanceUpdate({
          uuid,
          changes: { vmState: 'active', taskState: null, powerState: power, launchedAt: 'now' },
        })
      } else {
        await ctx.conductor.buildFailed({
          uuid,
          requestId,
          host: ctx.host,
          message: 'the compute agent restarted during the build',
          details: 'init_host found no guest for a server in BUILD',
        })
      }
    } else if (instance.taskState !== null) {
      await ctx.conductor.instanceUpdate({ uuid, changes: { taskState: null, powerState: power } })
    } else {
      await ctx.conductor.instanceUpdate({ uuid, changes: { powerState: power } })
    }
    guests.delete(uuid)
  }
  // Guests of servers evacuated while this host was down are among these.
  for (const orphan of guests) if (!keep.has(orphan)) await ctx.driver.destroy(orphan)
  await ctx.conductor.hostRecovered({ host: ctx.host })
}
