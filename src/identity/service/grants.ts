/** @module identity/service/grants: granting, checking and revoking role assignments */
import {
  createAssignment,
  deleteAssignment,
  hasAssignment,
  type Assignment,
} from '../db/assignments-repo.js'
import { listUserIdsInGroup } from '../db/groups-repo.js'
import type { AssignmentType } from '../db/schema.js'
import { IdentityNotFoundError, IdentityValidationError } from '../errors.js'
import { writeTransaction, type IdentityContext } from './context.js'
import { SYSTEM_TARGET } from './effective-roles.js'
import { requireGroup } from './groups.js'
import { requireDomain, requireProject, requireUser } from './lookups.js'
import { requireRole } from './roles.js'
import { revoke } from './revocations.js'

/** One grant as the URL names it: actor, target, role, inheritance. */
export interface GrantRef {
  actor: 'user' | 'group'
  actorId: string
  target: 'project' | 'domain' | 'system'
  /** Ignored for the system target. */
  targetId: string
  roleId: string
  inherited: boolean
}

function assignmentType(ref: GrantRef): AssignmentType {
  const actor = ref.actor === 'user' ? 'User' : 'Group'
  const target =
    ref.target === 'project' ? 'Project' : ref.target === 'domain' ? 'Domain' : 'System'
  return `${actor}${target}` as AssignmentType
}

async function resolveGrant(ctx: IdentityContext, ref: GrantRef): Promise<Assignment> {
  if (ref.actor === 'user') await requireUser(ctx, ref.actorId)
  else await requireGroup(ctx, ref.actorId)
  let targetDomainId: string | null = null
  if (ref.target === 'project') targetDomainId = (await requireProject(ctx, ref.targetId)).domainId
  else if (ref.target === 'domain') targetDomainId = (await requireDomain(ctx, ref.targetId)).id
  const role = await requireRole(ctx, ref.roleId)
  if (role.domainId !== null && role.domainId !== targetDomainId) {
    throw new IdentityValidationError(
      `The role ${role.id} belongs to domain ${role.domainId} and cannot be granted outside it.`,
    )
  }
  return {
    type: assignmentType(ref),
    actorId: ref.actorId,
    targetId: ref.target === 'system' ? SYSTEM_TARGET : ref.targetId,
    roleId: ref.roleId,
    inherited: ref.inherited,
  }
}

export async function grant(ctx: IdentityContext, ref: GrantRef): Promise<void> {
  const assignment = await resolveGrant(ctx, ref)
  await writeTransaction(ctx, (db) => createAssignment(db, assignment))
}

export async function checkGrant(ctx: IdentityContext, ref: GrantRef): Promise<void> {
  const assignment = await resolveGrant(ctx, ref)
  if (!(await hasAssignment(ctx.db, assignment)))
    throw new IdentityNotFoundError(
      'role assignment',
      `${ref.roleId} for ${ref.actorId} on ${ref.targetId}`,
    )
}

/** Removes a grant and revokes the tokens that carried it. */
export async function revokeGrant(ctx: IdentityContext, ref: GrantRef): Promise<void> {
  const assignment = await resolveGrant(ctx, ref)
  const removed = await writeTransaction(ctx, (db) => deleteAssignment(db, assignment))
  if (!removed)
    throw new IdentityNotFoundError(
      'role assignment',
      `${ref.roleId} for ${ref.actorId} on ${ref.targetId}`,
    )
  const users = ref.actor === 'user' ? [ref.actorId] : await listUserIdsInGroup(ctx.db, ref.actorId)
  for (const userId of users) {
    await revoke(ctx, {
      userId,
      ...(ref.target === 'project' && !ref.inherited ? { projectId: ref.targetId } : {}),
    })
  }
}
