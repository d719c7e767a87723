/** @module identity/service/groups: groups and membership */
import { deleteAssignmentsOf, listAssignments } from '../db/assignments-repo.js'
import {
  addMember,
  createGroup,
  deleteGroup,
  findGroupByName,
  getGroup,
  isMember,
  removeMember,
  updateGroup,
  type Group,
} from '../db/groups-repo.js'
import { IdentityConflictError, IdentityNotFoundError, IdentityValidationError } from '../errors.js'
import { writeTransaction, type IdentityContext } from './context.js'
import { requireDomain, requireUser } from './lookups.js'
import { revoke } from './revocations.js'

export interface GroupInput {
  name?: string
  description?: string
  domainId?: string
  extra?: Record<string, unknown>
}

export async function requireGroup(ctx: IdentityContext, id: string): Promise<Group> {
  const group = await getGroup(ctx.db, id)
  if (!group) throw new IdentityNotFoundError('group', id)
  return group
}

export async function createGroupIn(
  ctx: IdentityContext,
  input: GroupInput,
  callerDomainId: string,
): Promise<Group> {
  const domainId = input.domainId ?? callerDomainId
  await requireDomain(ctx, domainId)
  const name = input.name as string
  if (await findGroupByName(ctx.db, name, domainId))
    throw new IdentityConflictError('group', 'name', name)
  const group: Group = {
    id: ctx.ids.hex(),
    domainId,
    name,
    description: input.description ?? '',
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createGroup(db, group))
  return group
}

export async function updateGroupBy(
  ctx: IdentityContext,
  id: string,
  input: GroupInput,
): Promise<Group> {
  const current = await requireGroup(ctx, id)
  if (input.domainId !== undefined && input.domainId !== current.domainId)
    throw new IdentityValidationError('Cannot change the domain of a group.')
  if (
    input.name !== undefined &&
    input.name !== current.name &&
    (await findGroupByName(ctx.db, input.name, current.domainId))
  ) {
    throw new IdentityConflictError('group', 'name', input.name)
  }
  const next: Group = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, (db) => updateGroup(db, next))
  return next
}

export async function removeGroup(ctx: IdentityContext, id: string): Promise<void> {
  await requireGroup(ctx, id)
  const hadRoles = (await listAssignments(ctx.db, { actorIds: [id] })).length > 0
  const members = await ctx.db
    .selectFrom('membership')
    .select('user_id')
    .where('group_id', '=', id)
    .execute()
  await writeTransaction(ctx, async (db) => {
    await deleteAssignmentsOf(db, id)
    await deleteGroup(db, id)
  })
  if (hadRoles) for (const m of members) await revoke(ctx, { userId: m.user_id })
}

export async function addUserToGroup(
  ctx: IdentityContext,
  groupId: string,
  userId: string,
): Promise<void> {
  await requireGroup(ctx, groupId)
  await requireUser(ctx, userId)
  await writeTransaction(ctx, (db) => addMember(db, groupId, userId))
}

export async function removeUserFromGroup(
  ctx: IdentityContext,
  groupId: string,
  userId: string,
): Promise<void> {
  await requireGroup(ctx, groupId)
  await requireUser(ctx, userId)
  const removed = await writeTransaction(ctx, (db) => removeMember(db, groupId, userId))
  if (!removed) throw new IdentityNotFoundError('membership', `${userId} in ${groupId}`)
  if ((await listAssignments(ctx.db, { actorIds: [groupId] })).length > 0)
    await revoke(ctx, { userId })
}

export async function checkUserInGroup(
  ctx: IdentityContext,
  groupId: string,
  userId: string,
): Promise<void> {
  await requireGroup(ctx, groupId)
  await requireUser(ctx, userId)
  if (!(await isMember(ctx.db, groupId, userId)))
    throw new IdentityNotFoundError('membership', `${userId} in ${groupId}`)
}
