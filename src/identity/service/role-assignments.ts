/** @module identity/service/role-assignments: GET /v3/role_assignments, plain and effective */
import { listAssignments, type Assignment } from '../db/assignments-repo.js'
import { listGroupIdsOfUser, listUserIdsInGroup } from '../db/groups-repo.js'
import { listProjects, listSubtreeIds } from '../db/projects-repo.js'
import { listImpliedRules, listRoles } from '../db/roles-repo.js'
import type { AssignmentType } from '../db/schema.js'
import { IdentityValidationError } from '../errors.js'
import type { IdentityContext } from './context.js'
import { SYSTEM_TARGET } from './effective-roles.js'

export interface RoleAssignmentQuery {
  userId?: string
  groupId?: string
  roleId?: string
  projectId?: string
  domainId?: string
  system?: boolean
  inheritedToProjects?: boolean
  effective?: boolean
  includeSubtree?: boolean
}

/** One row of the listing, with where it came from when it was derived. */
export interface RoleAssignmentEntry {
  roleId: string
  userId?: string
  groupId?: string
  target: 'project' | 'domain' | 'system'
  targetId: string
  inherited: boolean
  /** The group through which a user has the role (effective listings). */
  viaGroupId?: string
  /** The assignment an inherited or implied role was derived from. */
  source?: RoleAssignmentEntry
  /** The role that implied this one. */
  priorRoleId?: string
}

function toEntry(a: Assignment): RoleAssignmentEntry {
  const target = a.type.endsWith('Project')
    ? 'project'
    : a.type.endsWith('Domain')
      ? 'domain'
      : 'system'
  return {
    roleId: a.roleId,
    ...(a.type.startsWith('User') ? { userId: a.actorId } : { groupId: a.actorId }),
    target,
    targetId: a.targetId,
    inherited: a.inherited,
  }
}

async function expandGroups(
  ctx: IdentityContext,
  entries: RoleAssignmentEntry[],
): Promise<RoleAssignmentEntry[]> {
  const out: RoleAssignmentEntry[] = []
  for (const e of entries) {
    if (!e.groupId) {
      out.push(e)
      continue
    }
    for (const userId of await listUserIdsInGroup(ctx.db, e.groupId)) {
      out.push({
        roleId: e.roleId,
        userId,
        target: e.target,
        targetId: e.targetId,
        inherited: e.inherited,
        viaGroupId: e.groupId,
      })
    }
  }
  return out
}

async function expandInheritance(
  ctx: IdentityContext,
  entries: RoleAssignmentEntry[],
): Promise<RoleAssignmentEntry[]> {
  const out: RoleAssignmentEntry[] = []
  for (const e of entries) {
    if (!e.inherited) {
      out.push(e)
      continue
    }
    const projects =
      e.target === 'domain'
        ? (await listProjects(ctx.db, { domainId: e.targetId, isDomain: false })).map((p) => p.id)
        : await listSubtreeIds(ctx.db, e.targetId)
    for (const projectId of projects) {
      out.push({ ...e, target: 'project', targetId: projectId, inherited: false, source: e })
    }
  }
  return out
}

async function expandImplied(
  ctx: IdentityContext,
  entries: RoleAssignmentEntry[],
): Promise<RoleAssignmentEntry[]> {
  const rules = await listImpliedRules(ctx.db)
  const out: RoleAssignmentEntry[] = []
  for (const e of entries) {
    out.push(e)
    const seen = new Set([e.roleId])
    const stack = [e.roleId]
    while (stack.length > 0) {
      const prior = stack.pop() as string
      for (const rule of rules.filter((r) => r.priorRoleId === prior)) {
        if (seen.has(rule.impliedRoleId)) continue
        seen.add(rule.impliedRoleId)
        stack.push(rule.impliedRoleId)
        out.push({ ...e, roleId: rule.impliedRoleId, priorRoleId: prior })
      }
    }
  }
  return out
}

function key(e: RoleAssignmentEntry): string {
  return [e.roleId, e.userId, e.groupId, e.target, e.targetId, e.inherited].join('|')
}

/** Lists assignments as Keystone does; with `effective`, groups, inheritance and implied roles are expanded. */
export async function listRoleAssignments(
  ctx: IdentityContext,
  q: RoleAssignmentQuery,
): Promise<RoleAssignmentEntry[]> {
  if (q.effective && q.groupId)
    throw new IdentityValidationError(
      'Combining effective and group filter will always result in an empty list.',
    )
  if ([q.projectId, q.domainId, q.system ? 'system' : undefined].filter(Boolean).length > 1) {
    throw new IdentityValidationError(
      'Specify at most one of scope.project.id, scope.domain.id and scope.system.',
    )
  }
  const actorIds = q.userId
    ? q.effective
      ? [q.userId, ...(await listGroupIdsOfUser(ctx.db, q.userId))]
      : [q.userId]
    : q.groupId
      ? [q.groupId]
      : undefined
  let types: AssignmentType[] | undefined
  let targetIds: string[] | undefined
  if (!q.effective) {
    if (q.projectId) {
      types = ['UserProject', 'GroupProject']
      targetIds = q.includeSubtree
        ? [q.projectId, ...(await listSubtreeIds(ctx.db, q.projectId))]
        : [q.projectId]
    } else if (q.domainId) {
      types = ['UserDomain', 'GroupDomain']
      targetIds = [q.domainId]
    } else if (q.system) {
      types = ['UserSystem', 'GroupSystem']
      targetIds = [SYSTEM_TARGET]
    }
  }
  const rows = await listAssignments(ctx.db, {
    ...(actorIds ? { actorIds } : {}),
    ...(types ? { types } : {}),
    ...(targetIds ? { targetIds } : {}),
    ...(q.inheritedToProjects !== undefined && !q.effective
      ? { inherited: q.inheritedToProjects }
      : {}),
  })
  let entries = rows.map(toEntry)
  if (q.effective) {
    entries = await expandImplied(
      ctx,
      await expandInheritance(ctx, await expandGroups(ctx, entries)),
    )
    if (q.userId) entries = entries.filter((e) => e.userId === q.userId)
    if (q.projectId) {
      const ids = new Set(
        q.includeSubtree
          ? [q.projectId, ...(await listSubtreeIds(ctx.db, q.projectId))]
          : [q.projectId],
      )
      entries = entries.filter((e) => e.target === 'project' && ids.has(e.targetId))
    }
    if (q.domainId)
      entries = entries.filter((e) => e.target === 'domain' && e.targetId === q.domainId)
    if (q.system) entries = entries.filter((e) => e.target === 'system')
    const seen = new Set<string>()
    entries = entries.filter((e) => (seen.has(key(e)) ? false : (seen.add(key(e)), true)))
    // Domain-specific roles never reach a token, only the global roles they imply do.
    const domainRoles = new Set(
      (await listRoles(ctx.db, { ids: [...new Set(entries.map((e) => e.roleId))] }))
        .filter((r) => r.domainId !== null)
        .map((r) => r.id),
    )
    entries = entries.filter((e) => !domainRoles.has(e.roleId))
  }
  if (q.roleId) entries = entries.filter((e) => e.roleId === q.roleId)
  return entries
}
