/** @module compute/service/server-groups: (anti-)affinity groups */
import { createGroup, deleteGroup, getGroup, listGroups } from '../db/actions-repo.js'
import { ServerGroupNotFoundError } from '../errors.js'
import type { ServerGroup } from '../model/flavor.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { enforceQuota } from './quotas.js'

export const GROUP_POLICIES = [
  'affinity',
  'anti-affinity',
  'soft-affinity',
  'soft-anti-affinity',
] as const

export async function listServerGroups(ctx: ComputeContext, caller: Caller, all: boolean) {
  return listGroups(ctx.db, caller.isAdmin && all ? undefined : caller.projectId)
}

export async function getServerGroup(ctx: ComputeContext, caller: Caller, uuid: string) {
  const g = await getGroup(ctx.db, uuid)
  if (!g || (!caller.isAdmin && g.projectId !== caller.projectId)) {
    throw new ServerGroupNotFoundError(uuid)
  }
  return g
}

export async function createServerGroup(
  ctx: ComputeContext,
  caller: Caller,
  input: { name: string; policy: string; rules: Record<string, unknown> },
): Promise<ServerGroup> {
  await enforceQuota(ctx, caller, { server_groups: 1 })
  const group: ServerGroup = {
    uuid: ctx.ids.uuid(),
    name: input.name,
    projectId: caller.projectId,
    userId: caller.userId,
    policy: input.policy,
    rules: input.rules,
    createdAt: now(ctx),
    members: [],
  }
  await createGroup(ctx.db, group)
  return group
}

export async function deleteServerGroup(ctx: ComputeContext, caller: Caller, uuid: string) {
  await getServerGroup(ctx, caller, uuid)
  await deleteGroup(ctx.db, uuid)
}
