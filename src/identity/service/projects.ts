/** @module identity/service/projects: projects and domains (domains are projects with is_domain) */
import { isUniqueViolation } from '../../core/db/index.js'
import { deleteAppCredentialsOf } from '../db/app-credentials-repo.js'
import { deleteAssignmentsOf, listAssignments } from '../db/assignments-repo.js'
import { deleteCredentialsOfUser } from '../db/credentials-repo.js'
import { deleteGroup, listGroups } from '../db/groups-repo.js'
import {
  createProject,
  deleteProject,
  findProjectByName,
  listProjects,
  listSubtreeIds,
  setProjectTags,
  updateProject,
  type Project,
  type ProjectFilter,
} from '../db/projects-repo.js'
import { deleteRole, listRoles } from '../db/roles-repo.js'
import { deleteUser, listUsers } from '../db/users-repo.js'
import {
  IdentityConflictError,
  IdentityForbiddenError,
  IdentityValidationError,
} from '../errors.js'
import { nowIso, writeTransaction, type IdentityContext } from './context.js'
import { requireDomain, requireProject } from './lookups.js'
import { revoke } from './revocations.js'

export const DEFAULT_DOMAIN_ID = 'default'

/** Fields a create or update may set. */
export interface ProjectInput {
  id?: string
  name?: string
  description?: string
  enabled?: boolean
  domainId?: string
  parentId?: string | null
  isDomain?: boolean
  tags?: string[]
  extra?: Record<string, unknown>
}

const TAG = /^[^,/]{1,255}$/

function checkTags(tags: readonly string[] | undefined): void {
  if (!tags) return
  if (tags.length > 80) throw new IdentityValidationError('A project may have at most 80 tags.')
  for (const tag of tags)
    if (!TAG.test(tag))
      throw new IdentityValidationError(
        `Invalid tag '${tag}': tags are 1-255 characters without ',' or '/'.`,
      )
}

async function insert(ctx: IdentityContext, project: Project, kind: string): Promise<Project> {
  try {
    await writeTransaction(ctx, (db) => createProject(db, project, nowIso(ctx)))
  } catch (error) {
    if (isUniqueViolation(error)) throw new IdentityConflictError(kind, 'id', project.id)
    throw error
  }
  return project
}

export async function createDomain(ctx: IdentityContext, input: ProjectInput): Promise<Project> {
  const name = input.name as string
  if (await findProjectByName(ctx.db, name, null))
    throw new IdentityConflictError('domain', 'name', name)
  checkTags(input.tags)
  return insert(
    ctx,
    {
      id: input.id ?? ctx.ids.hex(),
      name,
      description: input.description ?? '',
      enabled: input.enabled ?? true,
      domainId: null,
      parentId: null,
      isDomain: true,
      extra: input.extra ?? {},
      tags: input.tags ?? [],
    },
    'domain',
  )
}

export async function createProjectIn(
  ctx: IdentityContext,
  input: ProjectInput,
  callerDomainId: string,
): Promise<Project> {
  if (input.isDomain) return createDomain(ctx, input)
  const name = input.name as string
  let domainId = input.domainId
  let parentId = input.parentId ?? null
  if (parentId) {
    const parent = await ctx.db
      .selectFrom('project')
      .select(['id', 'domain_id', 'is_domain'])
      .where('id', '=', parentId)
      .executeTakeFirst()
    if (!parent) throw new IdentityValidationError(`Could not find parent project: ${parentId}.`)
    const parentDomain = parent.is_domain ? parent.id : (parent.domain_id as string)
    if (domainId && domainId !== parentDomain)
      throw new IdentityValidationError(
        'The parent project must be in the same domain as the project.',
      )
    domainId = parentDomain
  }
  domainId = domainId ?? callerDomainId
  await requireDomainForWrite(ctx, domainId)
  parentId = parentId ?? domainId
  checkTags(input.tags)
  if (await findProjectByName(ctx.db, name, domainId))
    throw new IdentityConflictError('project', 'name', name)
  return insert(
    ctx,
    {
      id: input.id ?? ctx.ids.hex(),
      name,
      description: input.description ?? '',
      enabled: input.enabled ?? true,
      domainId,
      parentId,
      isDomain: false,
      extra: input.extra ?? {},
      tags: input.tags ?? [],
    },
    'project',
  )
}

async function requireDomainForWrite(ctx: IdentityContext, id: string): Promise<Project> {
  return requireDomain(ctx, id)
}

export const listDomains = (ctx: IdentityContext, filter: ProjectFilter) =>
  listProjects(ctx.db, { ...filter, isDomain: true })
export const listProjectsOf = (ctx: IdentityContext, filter: ProjectFilter) =>
  listProjects(ctx.db, { ...filter, isDomain: false })

/** Applies an update; disabling revokes the tokens scoped to it. */
export async function updateProjectOrDomain(
  ctx: IdentityContext,
  current: Project,
  input: ProjectInput,
): Promise<Project> {
  if (input.domainId !== undefined && input.domainId !== current.domainId)
    throw new IdentityValidationError('Cannot change the domain of a project or domain.')
  if (input.isDomain !== undefined && input.isDomain !== current.isDomain)
    throw new IdentityValidationError('Cannot change is_domain of a project.')
  if (input.parentId !== undefined && input.parentId !== current.parentId)
    throw new IdentityForbiddenError('Updating the parent of a project is not allowed.')
  if (input.id !== undefined && input.id !== current.id)
    throw new IdentityValidationError('Cannot change the id of a project.')
  checkTags(input.tags)
  if (input.name !== undefined && input.name !== current.name) {
    const clash = await findProjectByName(
      ctx.db,
      input.name,
      current.isDomain ? null : current.domainId,
    )
    if (clash)
      throw new IdentityConflictError(current.isDomain ? 'domain' : 'project', 'name', input.name)
  }
  const next: Project = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    ...(input.tags !== undefined ? { tags: input.tags } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, async (db) => {
    await updateProject(db, next)
    if (input.tags !== undefined) await setProjectTags(db, next.id, next.tags)
  })
  if (current.enabled && !next.enabled) {
    await revoke(ctx, current.isDomain ? { domainId: current.id } : { projectId: current.id })
  }
  return next
}

export async function setTags(
  ctx: IdentityContext,
  project: Project,
  tags: string[],
): Promise<Project> {
  checkTags(tags)
  await writeTransaction(ctx, (db) => setProjectTags(db, project.id, tags))
  return { ...project, tags: [...new Set(tags)] }
}

/** Deletes a project with no children (or its whole subtree with `cascade`), revoking its tokens. */
export async function removeProject(
  ctx: IdentityContext,
  id: string,
  cascade = false,
): Promise<void> {
  const project = await requireProject(ctx, id)
  const subtree = await listSubtreeIds(ctx.db, project.id)
  if (subtree.length > 0 && !cascade)
    throw new IdentityForbiddenError(
      `Cannot delete the project ${id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
    )
  const ids = [...subtree.reverse(), project.id]
  await writeTransaction(ctx, async (db) => {
    for (const target of ids) {
      await deleteAssignmentsOf(db, target)
      await deleteProject(db, target)
      await db.deleteFrom('application_credential').where('project_id', '=', target).execute()
    }
  })
  for (const target of ids) await revoke(ctx, { projectId: target })
}

/** Deletes a disabled domain and everything in it. */
export async function removeDomain(ctx: IdentityContext, id: string): Promise<void> {
  const domain = await requireDomain(ctx, id)
  if (domain.enabled)
    throw new IdentityForbiddenError(
      `Cannot delete a domain that is enabled, please disable it first.`,
    )
  if (domain.id === DEFAULT_DOMAIN_ID)
    throw new IdentityForbiddenError('The default domain cannot be deleted.')
  const projects = await listProjects(ctx.db, { domainId: id, isDomain: false })
  const users = await listUsers(ctx.db, { domainId: id })
  const groups = await listGroups(ctx.db, { domainId: id })
  const roles = await listRoles(ctx.db, { domainId: id })
  await writeTransaction(ctx, async (db) => {
    for (const p of projects) {
      await deleteAssignmentsOf(db, p.id)
      await deleteProject(db, p.id)
    }
    for (const u of users) {
      await deleteAssignmentsOf(db, u.id)
      await deleteAppCredentialsOf(db, u.id)
      await deleteCredentialsOfUser(db, u.id)
      await deleteUser(db, u.id)
    }
    for (const g of groups) {
      await deleteAssignmentsOf(db, g.id)
      await deleteGroup(db, g.id)
    }
    for (const r of roles) await deleteRole(db, r.id)
    await deleteAssignmentsOf(db, id)
    await deleteProject(db, id)
  })
  await revoke(ctx, { domainId: id })
}

/** Ids of projects a user has any role on (directly, by group, or inherited). */
export async function projectIdsOfUser(
  ctx: IdentityContext,
  userId: string,
  groupIds: readonly string[],
): Promise<string[]> {
  const actors = [userId, ...groupIds]
  const rows = await listAssignments(ctx.db, {
    actorIds: actors,
    types: ['UserProject', 'GroupProject', 'UserDomain', 'GroupDomain'],
  })
  const ids = new Set<string>()
  for (const a of rows) {
    if (a.type.endsWith('Project')) {
      if (!a.inherited) ids.add(a.targetId)
      for (const child of await listSubtreeIds(ctx.db, a.targetId)) if (a.inherited) ids.add(child)
    } else if (a.inherited) {
      for (const p of await listProjects(ctx.db, { domainId: a.targetId, isDomain: false }))
        ids.add(p.id)
    }
  }
  return [...ids]
}

/** Ids of domains a user has a role on. */
export async function domainIdsOfUser(
  ctx: IdentityContext,
  userId: string,
  groupIds: readonly string[],
): Promise<string[]> {
  const rows = await listAssignments(ctx.db, {
    actorIds: [userId, ...groupIds],
    types: ['UserDomain', 'GroupDomain'],
    inherited: false,
  })
  return [...new Set(rows.map((a) => a.targetId))]
}
