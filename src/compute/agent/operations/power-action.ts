/** @module compute/agent/operations/power-action: reboot, stop, start, pause, suspend and back */
import type { PowerAction } from '../../rpc/contracts.js'
import type { PowerRequest } from '../../rpc/payloads.js'
import type { VmState } from '../../model/instance.js'
import type { ComputeDriver } from '../../virt/compute-driver.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'

interface Step {
  event: string
  run(driver: ComputeDriver, uuid: string): Promise<void>
  vmState: VmState
}

const STEPS: Record<PowerAction, Step> = {
  'reboot-soft': {
    event: 'compute_reboot_instance',
    run: (d, u) => d.reboot(u, 'soft'),
    vmState: 'active',
  },
  'reboot-hard': {
    event: 'compute_reboot_instance',
    run: (d, u) => d.reboot(u, 'hard'),
    vmState: 'active',
  },
  stop: { event: 'compute_stop_instance', run: (d, u) => d.powerOff(u), vmState: 'stopped' },
  start: { event: 'compute_start_instance', run: (d, u) => d.powerOn(u), vmState: 'active' },
  pause: { event: 'compute_pause_instance', run: (d, u) => d.pause(u), vmState: 'paused' },
  unpause: { event: 'compute_unpause_instance', run: (d, u) => d.unpause(u), vmState: 'active' },
  suspend: { event: 'compute_suspend_instance', run: (d, u) => d.suspend(u), vmState: 'suspended' },
  resume: { event: 'compute_resume_instance', run: (d, u) => d.resume(u), vmState: 'active' },
}

export async function powerAction(ctx: AgentContext, r: PowerRequest): Promise<void> {
  const step = STEPS[r.action]
  try {
    await asEvent(ctx, r, step.event, () => step.run(ctx.driver, r.uuid))
  } catch (error) {
    await failOperation(ctx, r.uuid, error)
    return
  }
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {
      vmState: step.vmState,
      taskState: null,
      powerState: await ctx.driver.powerState(r.uuid),
    },
  })
}
