/** @module compute/agent/periodic/power-sync: record the power state guests really have (Nova's _sync_power_states) */
import { POWER_STATE } from '../../virt/compute-driver.js'
import type { AgentContext } from '../agent-context.js'

/**
 * For every server the database puts on this host with no task in progress, reports the
 * driver's power state; a guest that stopped on its own makes an ACTIVE server SHUTOFF, as
 * Nova's sync does with its default `handle_virt_lifecycle_events`.
 */
export async function syncPowerStates(ctx: AgentContext): Promise<void> {
  for (const instance of await ctx.conductor.instancesOnHost(ctx.host)) {
    if (instance.taskState !== null || instance.vmState === 'building') continue
    const power = await ctx.driver.powerState(instance.uuid)
    const stoppedOnItsOwn =
      instance.vmState === 'active' &&
      (power === POWER_STATE.shutdown || power === POWER_STATE.nostate)
    await ctx.conductor.instanceUpdate({
      uuid: instance.uuid,
      changes: { powerState: power, ...(stoppedOnItsOwn ? { vmState: 'stopped' } : {}) },
      expectTaskState: [null],
    })
  }
}
