/** @module compute/service/server-access: finding a server the caller may act on, and guards */
import { getInstance, updateInstance, type Expected } from '../db/instances-repo.js'
import { InstanceInvalidStateError, InstanceLockedError, InstanceNotFoundError } from '../errors.js'
import type { Instance, TaskState, VmState } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'

/** A live server of the caller's project (any project for admins), or InstanceNotFoundError. */
export async function findServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<Instance> {
  const found = await getInstance(ctx.db, uuid)
  if (!found || found.deleted || (!caller.isAdmin && found.projectId !== caller.projectId)) {
    throw new InstanceNotFoundError(uuid)
  }
  return found
}

/** Refuses an action when the server's vm_state or task_state is not among the allowed ones. */
export function assertState(
  instance: Instance,
  action: string,
  allowed: { vm?: readonly VmState[]; task?: readonly (TaskState | null)[] },
): void {
  if (allowed.vm && !allowed.vm.includes(instance.vmState)) {
    throw new InstanceInvalidStateError(instance.uuid, 'vm_state', instance.vmState, action)
  }
  const task = allowed.task ?? [null]
  if (!task.includes(instance.taskState)) {
    throw new InstanceInvalidStateError(
      instance.uuid,
      'task_state',
      String(instance.taskState),
      action,
    )
  }
}

/** Refuses changes to a locked server unless the caller is an admin (Nova's check_instance_lock). */
export function assertUnlocked(instance: Instance, caller: Caller): void {
  if (instance.lockedBy !== null && !caller.isAdmin) throw new InstanceLockedError(instance.uuid)
}

/** Compare-and-swap update; a lost race is reported as the state conflict it is. */
export async function transition(
  ctx: ComputeContext,
  instance: Instance,
  action: string,
  changes: Partial<Instance>,
  expected: Expected,
): Promise<Instance> {
  const updated = await updateInstance(
    ctx.db,
    instance.uuid,
    { ...changes, updatedAt: now(ctx) },
    expected,
  )
  if (!updated) {
    throw new InstanceInvalidStateError(instance.uuid, 'task_state', 'changing', action)
  }
  return updated
}
