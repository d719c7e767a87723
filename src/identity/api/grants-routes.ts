/** @module identity/api/grants-routes: role grants on projects, domains and the system, and /v3/role_assignments */
import type { Route, RouteInput } from '../../core/http/index.js'
import {
  AssignmentType,
  listAssignmentsBy,
  listGroupsBy,
  listProjectsBy,
  listRolesBy,
  listUsersBy,
} from '../service/queries.js'
import type { IdentityContext } from '../service/context.js'
import { SYSTEM_TARGET } from '../service/effective-roles.js'
import { checkGrant, grant, revokeGrant, type GrantRef } from '../service/grants.js'
import { requireGroup } from '../service/groups.js'
import { requireDomain, requireProject, requireUser } from '../service/lookups.js'
import { listRoleAssignments, type RoleAssignmentEntry } from '../service/role-assignments.js'
import { baseUrl, listLinks } from './links.js'
import { queryBool, queryFlag, queryString } from './query.js'
import { params } from './schemas.js'
import { roleView } from './views.js'

type Target = 'project' | 'domain' | 'system'
type Actor = 'user' | 'group'

interface GrantPath {
  target: Target
  actor: Actor
  inherited: boolean
  /** Path up to `/roles`, e.g. `/projects/:targetId/users/:actorId/roles`. */
  prefix: string
  suffix: string
  rules: { list: string; check: string; create: string; revoke: string }
}

function grantPaths(): GrantPath[] {
  const out: GrantPath[] = []
  for (const actor of ['user', 'group'] as const) {
    for (const target of ['project', 'domain'] as const) {
      const rules = {
        list: 'identity:list_grants',
        check: 'identity:check_grant',
        create: 'identity:create_grant',
        revoke: 'identity:revoke_grant',
      }
      out.push({
        target,
        actor,
        inherited: false,
        prefix: `/${target}s/:targetId/${actor}s/:actorId/roles`,
        suffix: '',
        rules,
      })
      out.push({
        target,
        actor,
        inherited: true,
        prefix: `/OS-INHERIT/${target}s/:targetId/${actor}s/:actorId/roles`,
        suffix: '/inherited_to_projects',
        rules,
      })
    }
    const sys = (verb: string) =>
      `identity:${verb}_system_grant${verb === 'list' ? 's' : ''}_for_${actor}`
    out.push({
      target: 'system',
      actor,
      inherited: false,
      prefix: `/system/${actor}s/:actorId/roles`,
      suffix: '',
      rules: {
        list: sys('list'),
        check: sys('check'),
        create: sys('create'),
        revoke: sys('revoke'),
      },
    })
  }
  return out
}

function ref(p: GrantPath, input: RouteInput): GrantRef {
  return {
    actor: p.actor,
    actorId: input.params['actorId'] as string,
    target: p.target,
    targetId: p.target === 'system' ? SYSTEM_TARGET : (input.params['targetId'] as string),
    roleId: input.params['roleId'] as string,
    inherited: p.inherited,
  }
}

function grantRoutes(ctx: IdentityContext, p: GrantPath): Route[] {
  const one = `${p.prefix}/:roleId${p.suffix}`
  const names = p.target === 'system' ? ['actorId', 'roleId'] : ['targetId', 'actorId', 'roleId']
  const listNames = names.filter((n) => n !== 'roleId')
  return [
    {
      method: 'GET',
      path: `${p.prefix}${p.suffix}`,
      policy: p.rules.list,
      schema: { params: params(...listNames) },
      errors: [404],
      async handler(input) {
        input.authorize()
        const r = ref(p, input)
        if (p.actor === 'user') await requireUser(ctx, r.actorId)
        else await requireGroup(ctx, r.actorId)
        if (p.target === 'project') await requireProject(ctx, r.targetId)
        if (p.target === 'domain') await requireDomain(ctx, r.targetId)
        const type =
          `${p.actor === 'user' ? 'User' : 'Group'}${p.target[0]?.toUpperCase()}${p.target.slice(1)}` as AssignmentType
        const rows = await listAssignmentsBy(ctx, {
          types: [type],
          actorIds: [r.actorId],
          targetIds: [r.targetId],
          inherited: p.inherited,
        })
        const roles = await listRolesBy(ctx, { ids: rows.map((a) => a.roleId) })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { roles: roles.map((role) => roleView(base, role)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'PUT',
      path: one,
      policy: p.rules.create,
      schema: { params: params(...names) },
      errors: [404],
      async handler(input) {
        input.authorize()
        await grant(ctx, ref(p, input))
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: one,
      policy: p.rules.check,
      schema: { params: params(...names) },
      errors: [404],
      async handler(input) {
        input.authorize()
        await checkGrant(ctx, ref(p, input))
        return { status: 204 }
      },
    },
    {
      method: 'DELETE',
      path: one,
      policy: p.rules.revoke,
      schema: { params: params(...names) },
      errors: [404],
      async handler(input) {
        input.authorize()
        await revokeGrant(ctx, ref(p, input))
        return { status: 204 }
      },
    },
  ]
}

interface Names {
  users: Map<string, { name: string; domainId: string }>
  groups: Map<string, { name: string; domainId: string }>
  projects: Map<string, { name: string; domainId: string | null; isDomain: boolean }>
  roles: Map<string, { name: string; domainId: string | null }>
}

async function loadNames(ctx: IdentityContext, entries: RoleAssignmentEntry[]): Promise<Names> {
  const ids = (pick: (e: RoleAssignmentEntry) => string | undefined) => [
    ...new Set(entries.map(pick).filter((x): x is string => x !== undefined)),
  ]
  const users = await listUsersBy(ctx, { ids: ids((e) => e.userId) })
  const groups = await listGroupsBy(ctx, { ids: ids((e) => e.groupId) })
  const targets = ids((e) => (e.target === 'system' ? undefined : e.targetId))
  const projects = await listProjectsBy(ctx, {
    ids: [
      ...new Set([...targets, ...users.map((u) => u.domainId), ...groups.map((g) => g.domainId)]),
    ],
  })
  const domainIds = projects.map((p) => p.domainId).filter((d): d is string => d !== null)
  const domains = await listProjectsBy(ctx, { ids: domainIds, isDomain: true })
  const roles = await listRolesBy(ctx, { ids: ids((e) => e.roleId) })
  return {
    users: new Map(users.map((u) => [u.id, { name: u.name, domainId: u.domainId }])),
    groups: new Map(groups.map((g) => [g.id, { name: g.name, domainId: g.domainId }])),
    projects: new Map(
      [...projects, ...domains].map((p) => [
        p.id,
        { name: p.name, domainId: p.domainId, isDomain: p.isDomain },
      ]),
    ),
    roles: new Map(roles.map((r) => [r.id, { name: r.name, domainId: r.domainId }])),
  }
}

function domainRef(names: Names | undefined, id: string): Record<string, unknown> {
  return { id, ...(names ? { name: names.projects.get(id)?.name } : {}) }
}

function assignmentLink(base: string, e: RoleAssignmentEntry): string {
  const actor = e.userId ? `users/${e.userId}` : `groups/${e.groupId}`
  if (e.target === 'system') return `${base}/system/${actor}/roles/${e.roleId}`
  if (e.inherited)
    return `${base}/OS-INHERIT/${e.target}s/${e.targetId}/${actor}/roles/${e.roleId}/inherited_to_projects`
  return `${base}/${e.target}s/${e.targetId}/${actor}/roles/${e.roleId}`
}

function assignmentView(
  base: string,
  e: RoleAssignmentEntry,
  names: Names | undefined,
): Record<string, unknown> {
  const role = names?.roles.get(e.roleId)
  const out: Record<string, unknown> = {
    role: {
      id: e.roleId,
      ...(names
        ? {
            name: role?.name,
            ...(role?.domainId ? { domain: domainRef(names, role.domainId) } : {}),
          }
        : {}),
    },
  }
  if (e.userId) {
    const user = names?.users.get(e.userId)
    out['user'] = {
      id: e.userId,
      ...(names && user ? { name: user.name, domain: domainRef(names, user.domainId) } : {}),
    }
  } else if (e.groupId) {
    const group = names?.groups.get(e.groupId)
    out['group'] = {
      id: e.groupId,
      ...(names && group ? { name: group.name, domain: domainRef(names, group.domainId) } : {}),
    }
  }
  const scope: Record<string, unknown> = {}
  if (e.target === 'system') scope['system'] = { all: true }
  else {
    const target = names?.projects.get(e.targetId)
    const domain = names && target?.domainId ? { domain: domainRef(names, target.domainId) } : {}
    scope[e.target] = { id: e.targetId, ...(names ? { name: target?.name, ...domain } : {}) }
  }
  if (e.inherited) scope['OS-INHERIT:inherited_to'] = 'projects'
  out['scope'] = scope
  const source = e.source ?? e
  const links: Record<string, string> = {
    assignment: assignmentLink(
      base,
      e.viaGroupId
        ? ({ ...source, userId: undefined, groupId: e.viaGroupId } as RoleAssignmentEntry)
        : source,
    ),
  }
  if (e.viaGroupId && e.userId)
    links['membership'] = `${base}/groups/${e.viaGroupId}/users/${e.userId}`
  if (e.priorRoleId) links['prior_role'] = `${base}/roles/${e.priorRoleId}`
  out['links'] = links
  return out
}

export function grantAndAssignmentRoutes(ctx: IdentityContext): Route[] {
  return [
    ...grantPaths().flatMap((p) => grantRoutes(ctx, p)),
    {
      method: 'GET',
      path: '/role_assignments',
      policy: 'identity:list_role_assignments',
      errors: [],
      async handler(input) {
        input.authorize()
        const q = input.query
        const str = (name: string) => queryString(q, name)
        const entries = await listRoleAssignments(ctx, {
          ...(str('user.id') !== undefined ? { userId: str('user.id') as string } : {}),
          ...(str('group.id') !== undefined ? { groupId: str('group.id') as string } : {}),
          ...(str('role.id') !== undefined ? { roleId: str('role.id') as string } : {}),
          ...(str('scope.project.id') !== undefined
            ? { projectId: str('scope.project.id') as string }
            : {}),
          ...(str('scope.domain.id') !== undefined
            ? { domainId: str('scope.domain.id') as string }
            : {}),
          ...(str('scope.system') !== undefined ? { system: true } : {}),
          ...(str('scope.OS-INHERIT:inherited_to') !== undefined
            ? { inheritedToProjects: true }
            : {}),
          effective: queryFlag(q, 'effective'),
          includeSubtree: queryBool(q, 'include_subtree') === true,
        })
        const names = queryFlag(q, 'include_names') ? await loadNames(ctx, entries) : undefined
        const base = baseUrl(input)
        return {
          status: 200,
          body: {
            role_assignments: entries.map((e) => assignmentView(base, e, names)),
            links: listLinks(input),
          },
        }
      },
    },
  ]
}
