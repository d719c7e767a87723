/** @module identity/service/effective-roles: which roles a user really has on a target */
import type { Kysely } from 'kysely'
import { listAssignments } from '../db/assignments-repo.js'
import { listGroupIdsOfUser } from '../db/groups-repo.js'
import type { Project } from '../db/projects-repo.js'
import { getProject } from '../db/projects-repo.js'
import { listImpliedRules, listRoles, type Role } from '../db/roles-repo.js'
import type { IdentityDatabase } from '../db/schema.js'

type Db = Kysely<IdentityDatabase>

/** The id of the system target in assignments. */
export const SYSTEM_TARGET = 'system'

/** Ancestors of a project, nearest first, excluding its domain. */
export async function projectAncestors(db: Db, project: Project): Promise<Project[]> {
  const out: Project[] = []
  let parentId = project.parentId
  const seen = new Set([project.id])
  while (parentId && parentId !== project.domainId && !seen.has(parentId)) {
    seen.add(parentId)
    const parent = await getProject(db, parentId)
    if (!parent || parent.isDomain) break
    out.push(parent)
    parentId = parent.parentId
  }
  return out
}

/** Adds every role implied (transitively) by the given ones. */
export async function expandImpliedRoles(db: Db, roleIds: Iterable<string>): Promise<Set<string>> {
  const rules = await listImpliedRules(db)
  const result = new Set(roleIds)
  const queue = [...result]
  while (queue.length > 0) {
    const prior = queue.pop() as string
    for (const rule of rules) {
      if (rule.priorRoleId === prior && !result.has(rule.impliedRoleId)) {
        result.add(rule.impliedRoleId)
        queue.push(rule.impliedRoleId)
      }
    }
  }
  return result
}

/** Role ids assigned (directly, via groups, or inherited) to a user on a project, before implication. */
export async function assignedProjectRoleIds(
  db: Db,
  userId: string,
  project: Project,
): Promise<Set<string>> {
  const actors = [userId, ...(await listGroupIdsOfUser(db, userId))]
  const ancestors = await projectAncestors(db, project)
  const direct = await listAssignments(db, {
    types: ['UserProject', 'GroupProject'],
    actorIds: actors,
    targetIds: [project.id],
    inherited: false,
  })
  const fromParents = ancestors.length
    ? await listAssignments(db, {
        types: ['UserProject', 'GroupProject'],
        actorIds: actors,
        targetIds: ancestors.map((a) => a.id),
        inherited: true,
      })
    : []
  const fromDomain = project.domainId
    ? await listAssignments(db, {
        types: ['UserDomain', 'GroupDomain'],
        actorIds: actors,
        targetIds: [project.domainId],
        inherited: true,
      })
    : []
  return new Set([...direct, ...fromParents, ...fromDomain].map((a) => a.roleId))
}

/** Role ids assigned to a user on a domain itself (not inherited ones). */
export async function assignedDomainRoleIds(
  db: Db,
  userId: string,
  domainId: string,
): Promise<Set<string>> {
  const actors = [userId, ...(await listGroupIdsOfUser(db, userId))]
  const rows = await listAssignments(db, {
    types: ['UserDomain', 'GroupDomain'],
    actorIds: actors,
    targetIds: [domainId],
    inherited: false,
  })
  return new Set(rows.map((a) => a.roleId))
}

/** Role ids assigned to a user on the system. */
export async function assignedSystemRoleIds(db: Db, userId: string): Promise<Set<string>> {
  const actors = [userId, ...(await listGroupIdsOfUser(db, userId))]
  const rows = await listAssignments(db, {
    types: ['UserSystem', 'GroupSystem'],
    actorIds: actors,
    targetIds: [SYSTEM_TARGET],
  })
  return new Set(rows.map((a) => a.roleId))
}

/** The roles a token carries: implied roles added, domain-specific roles left out. */
export async function tokenRoles(db: Db, assigned: Iterable<string>): Promise<Role[]> {
  const ids = await expandImpliedRoles(db, assigned)
  const roles = await listRoles(db, { ids: [...ids] })
  return roles.filter((r) => r.domainId === null)
}
