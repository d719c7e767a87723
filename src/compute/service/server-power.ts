/** @module compute/service/server-power: reboot, stop, start, pause, unpause, suspend, resume */
import type { PowerAction } from '../rpc/contracts.js'
import type { TaskState, VmState } from '../model/instance.js'
import { InstanceInvalidStateError } from '../errors.js'
import type { Caller, ComputeContext } from './context.js'
import { assertHostCan, type DriverCapability } from './host-capabilities.js'
import { startAction } from './instance-records.js'
import { assertState, assertUnlocked, findServer, transition } from './server-access.js'

interface PowerRule {
  /** The instance action's name in os-instance-actions. */
  action: string
  /** What the host's driver must be able to do. */
  capability?: DriverCapability
  vm: readonly VmState[]
  task: readonly (TaskState | null)[]
  to: TaskState
}

const RULES: Record<PowerAction, PowerRule> = {
  'reboot-soft': { action: 'reboot', vm: ['active'], task: [null], to: 'rebooting' },
  'reboot-hard': {
    action: 'reboot',
    vm: ['active', 'stopped', 'paused', 'suspended', 'error'],
    task: [null, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard'],
    to: 'rebooting_hard',
  },
  stop: { action: 'stop', vm: ['active', 'error'], task: [null], to: 'powering-off' },
  start: { action: 'start', vm: ['stopped'], task: [null], to: 'powering-on' },
  pause: { action: 'pause', capability: 'pause', vm: ['active'], task: [null], to: 'pausing' },
  unpause: {
    action: 'unpause',
    capability: 'pause',
    vm: ['paused'],
    task: [null],
    to: 'unpausing',
  },
  suspend: {
    action: 'suspend',
    capability: 'suspend',
    vm: ['active'],
    task: [null],
    to: 'suspending',
  },
  resume: {
    action: 'resume',
    capability: 'suspend',
    vm: ['suspended'],
    task: [null],
    to: 'resuming',
  },
}

/** Moves the server to the action's task state and asks its agent to act. */
export async function powerServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  action: PowerAction,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  const rule = RULES[action]
  assertUnlocked(instance, caller)
  assertState(instance, rule.action, { vm: rule.vm, task: rule.task })
  if (!instance.host) {
    throw new InstanceInvalidStateError(uuid, 'host', 'none', rule.action)
  }
  if (rule.capability) await assertHostCan(ctx, instance, rule.capability, rule.action)
  await transition(
    ctx,
    instance,
    rule.action,
    { taskState: rule.to },
    {
      taskState: rule.task,
      vmState: rule.vm,
    },
  )
  await startAction(ctx, ctx.db, {
    uuid,
    action: rule.action,
    requestId: caller.requestId,
    userId: caller.userId,
    projectId: caller.projectId,
  })
  await ctx.agents.powerAction(instance.host, { uuid, action, requestId: caller.requestId })
}
