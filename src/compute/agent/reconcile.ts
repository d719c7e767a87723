/** @module compute/agent/reconcile: on start, make the host and the database agree (Nova's init_host) */
import type { AgentContext } from './agent-context.js'

/**
 * Finishes or fails what a crash interrupted: a build whose guest exists becomes ACTIVE, one
 * without a guest fails (and is rescheduled); a delete is completed; any other task state is
 * cleared with the guest's real power state; guests the database does not know are destroyed.
 */
export async function reconcileHost(ctx: AgentContext): Promise<void> {
  const known = await ctx.conductor.instancesOnHost(ctx.host)
  const guests = new Set(await ctx.driver.listGuests())
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
  for (const orphan of guests) await ctx.driver.destroy(orphan)
  await ctx.conductor.hostRecovered({ host: ctx.host })
}
