/** @module identity/api/projects-routes: /v3/domains and /v3/projects, with project tags */
import type { Route, RouteInput } from '../../core/http/index.js'
import { ProjectFilter } from '../service/queries.js'
import type { IdentityContext } from '../service/context.js'
import { requireDomain, requireProject, requireProjectOrDomain } from '../service/lookups.js'
import {
  createDomain,
  createProjectIn,
  listDomains,
  listProjectsOf,
  removeDomain,
  removeProject,
  setTags,
  updateProjectOrDomain,
  type ProjectInput,
} from '../service/projects.js'
import { IdentityNotFoundError } from '../errors.js'
import { baseUrl, listLinks } from './links.js'
import { extraFields, queryBool, queryList, queryString } from './query.js'
import {
  boolean,
  descriptionString,
  idString,
  projectNameString,
  params,
  tags,
  wrapped,
} from './schemas.js'
import { domainView, projectView } from './views.js'

const PROJECT_FIELDS = [
  'id',
  'name',
  'description',
  'enabled',
  'domain_id',
  'parent_id',
  'is_domain',
  'tags',
  'options',
  'links',
]

const projectProps = {
  name: projectNameString,
  description: descriptionString,
  enabled: boolean,
  domain_id: { type: ['string', 'null'], maxLength: 64 },
  parent_id: { type: ['string', 'null'], maxLength: 64 },
  is_domain: boolean,
  tags,
  options: { type: 'object' },
}

function projectInput(body: Record<string, unknown>): ProjectInput {
  return {
    ...(typeof body['id'] === 'string' ? { id: body['id'] } : {}),
    ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
    ...(body['description'] !== undefined
      ? { description: (body['description'] as string | null) ?? '' }
      : {}),
    ...(typeof body['enabled'] === 'boolean' ? { enabled: body['enabled'] } : {}),
    ...(typeof body['domain_id'] === 'string' ? { domainId: body['domain_id'] } : {}),
    ...(body['parent_id'] !== undefined ? { parentId: body['parent_id'] as string | null } : {}),
    ...(typeof body['is_domain'] === 'boolean' ? { isDomain: body['is_domain'] } : {}),
    ...(Array.isArray(body['tags']) ? { tags: body['tags'] as string[] } : {}),
    extra: extraFields(body, PROJECT_FIELDS),
  }
}

/** A create takes no `id` from the body: Keystone assigns ids (domains take `explicit_domain_id`). */
function newProjectInput(body: Record<string, unknown>): ProjectInput {
  const { id: _ignored, ...input } = projectInput(body)
  return input
}

function projectFilter(query: Record<string, unknown>): ProjectFilter {
  const f: ProjectFilter = {}
  const name = queryString(query, 'name')
  if (name !== undefined) f.name = name
  const contains = queryString(query, 'name__contains')
  if (contains !== undefined) f.nameContains = contains
  const icontains = queryString(query, 'name__icontains')
  if (icontains !== undefined) f.nameIcontains = icontains
  const domainId = queryString(query, 'domain_id')
  if (domainId !== undefined) f.domainId = domainId
  const parentId = queryString(query, 'parent_id')
  if (parentId !== undefined) f.parentId = parentId
  const enabled = queryBool(query, 'enabled')
  if (enabled !== undefined) f.enabled = enabled
  const all = queryList(query, 'tags')
  if (all) f.tagsAll = all
  const any = queryList(query, 'tags-any')
  if (any) f.tagsAny = any
  const notAll = queryList(query, 'not-tags')
  if (notAll) f.notTagsAll = notAll
  const notAny = queryList(query, 'not-tags-any')
  if (notAny) f.notTagsAny = notAny
  return f
}

function callerDomain(input: RouteInput): string {
  const identity = input.context.identity
  return identity?.domainId ?? identity?.projectDomainId ?? 'default'
}

function domainRoutes(ctx: IdentityContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/domains',
      policy: 'identity:create_domain',
      schema: {
        body: wrapped('domain', {
          type: 'object',
          required: ['name'],
          properties: { ...projectProps, explicit_domain_id: idString },
        }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        const body = (input.body as { domain: Record<string, unknown> }).domain
        const explicit =
          typeof body['explicit_domain_id'] === 'string' ? { id: body['explicit_domain_id'] } : {}
        const domain = await createDomain(ctx, {
          ...newProjectInput(body),
          ...explicit,
          extra: extraFields(body, [...PROJECT_FIELDS, 'explicit_domain_id']),
        })
        return { status: 201, body: { domain: domainView(baseUrl(input), domain) } }
      },
    },
    {
      method: 'GET',
      path: '/domains',
      policy: 'identity:list_domains',
      errors: [],
      async handler(input) {
        input.authorize()
        const domains = await listDomains(ctx, projectFilter(input.query))
        const base = baseUrl(input)
        return {
          status: 200,
          body: { domains: domains.map((d) => domainView(base, d)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/domains/:domainId',
      policy: 'identity:get_domain',
      schema: { params: params('domainId') },
      errors: [404],
      async handler(input) {
        input.authorize({ target: { domain: { id: input.params['domainId'] } } })
        const domain = await requireDomain(ctx, input.params['domainId'] as string)
        return { status: 200, body: { domain: domainView(baseUrl(input), domain) } }
      },
    },
    {
      method: 'PATCH',
      path: '/domains/:domainId',
      policy: 'identity:update_domain',
      schema: {
        params: params('domainId'),
        body: wrapped('domain', { type: 'object', properties: projectProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize({ target: { domain: { id: input.params['domainId'] } } })
        const current = await requireDomain(ctx, input.params['domainId'] as string)
        const body = (input.body as { domain: Record<string, unknown> }).domain
        const domain = await updateProjectOrDomain(ctx, current, projectInput(body))
        return { status: 200, body: { domain: domainView(baseUrl(input), domain) } }
      },
    },
    {
      method: 'DELETE',
      path: '/domains/:domainId',
      policy: 'identity:delete_domain',
      schema: { params: params('domainId') },
      errors: [404],
      async handler(input) {
        input.authorize({ target: { domain: { id: input.params['domainId'] } } })
        await removeDomain(ctx, input.params['domainId'] as string)
        return { status: 204 }
      },
    },
  ]
}

function tagRoutes(ctx: IdentityContext): Route[] {
  const target = (input: RouteInput) => ({ target: { project: { id: input.params['projectId'] } } })
  return [
    {
      method: 'GET',
      path: '/projects/:projectId/tags',
      policy: 'identity:list_project_tags',
      schema: { params: params('projectId') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const project = await requireProject(ctx, input.params['projectId'] as string)
        return { status: 200, body: { tags: project.tags } }
      },
    },
    {
      method: 'PUT',
      path: '/projects/:projectId/tags',
      policy: 'identity:update_project_tags',
      schema: {
        params: params('projectId'),
        body: { type: 'object', required: ['tags'], properties: { tags } },
      },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const project = await requireProject(ctx, input.params['projectId'] as string)
        const next = await setTags(ctx, project, (input.body as { tags: string[] }).tags)
        return { status: 200, body: { tags: next.tags, links: listLinks(input) } }
      },
    },
    {
      method: 'DELETE',
      path: '/projects/:projectId/tags',
      policy: 'identity:delete_project_tags',
      schema: { params: params('projectId') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const project = await requireProject(ctx, input.params['projectId'] as string)
        await setTags(ctx, project, [])
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/projects/:projectId/tags/:tag',
      policy: 'identity:get_project_tag',
      schema: { params: params('projectId', 'tag') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const project = await requireProject(ctx, input.params['projectId'] as string)
        if (!project.tags.includes(input.params['tag'] as string))
          throw new IdentityNotFoundError('project tag', input.params['tag'] as string)
        return { status: 204 }
      },
    },
    {
      method: 'PUT',
      path: '/projects/:projectId/tags/:tag',
      policy: 'identity:create_project_tag',
      schema: { params: params('projectId', 'tag') },
      errors: [400, 404],
      async handler(input) {
        input.authorize(target(input))
        const project = await requireProject(ctx, input.params['projectId'] as string)
        const tag = input.params['tag'] as string
        if (!project.tags.includes(tag)) await setTags(ctx, project, [...project.tags, tag])
        return {
          status: 201,
          headers: {
            location: `${baseUrl(input)}/projects/${project.id}/tags/${encodeURIComponent(tag)}`,
          },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/projects/:projectId/tags/:tag',
      policy: 'identity:delete_project_tag',
      schema: { params: params('projectId', 'tag') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const project = await requireProject(ctx, input.params['projectId'] as string)
        const tag = input.params['tag'] as string
        if (!project.tags.includes(tag)) throw new IdentityNotFoundError('project tag', tag)
        await setTags(
          ctx,
          project,
          project.tags.filter((t) => t !== tag),
        )
        return { status: 204 }
      },
    },
  ]
}

export function projectRoutes(ctx: IdentityContext): Route[] {
  return [
    ...domainRoutes(ctx),
    {
      method: 'POST',
      path: '/projects',
      policy: 'identity:create_project',
      schema: {
        body: wrapped('project', { type: 'object', required: ['name'], properties: projectProps }),
      },
      errors: [404, 409],
      async handler(input) {
        const body = (input.body as { project: Record<string, unknown> }).project
        input.authorize({
          target: { project: { domain_id: body['domain_id'] ?? callerDomain(input) } },
        })
        const project = await createProjectIn(ctx, newProjectInput(body), callerDomain(input))
        return { status: 201, body: { project: projectView(baseUrl(input), project) } }
      },
    },
    {
      method: 'GET',
      path: '/projects',
      policy: 'identity:list_projects',
      errors: [],
      async handler(input) {
        const filter = projectFilter(input.query)
        input.authorize({ target: { domain_id: filter.domainId ?? '' } })
        const domains = queryBool(input.query, 'is_domain') === true
        const projects = domains
          ? await listDomains(ctx, filter)
          : await listProjectsOf(ctx, filter)
        const base = baseUrl(input)
        return {
          status: 200,
          body: { projects: projects.map((p) => projectView(base, p)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/projects/:projectId',
      policy: 'identity:get_project',
      schema: { params: params('projectId') },
      errors: [404],
      async handler(input) {
        input.authorize({ target: { project: { id: input.params['projectId'] } } })
        const project = await requireProjectOrDomain(ctx, input.params['projectId'] as string)
        return { status: 200, body: { project: projectView(baseUrl(input), project) } }
      },
    },
    {
      method: 'PATCH',
      path: '/projects/:projectId',
      policy: 'identity:update_project',
      schema: {
        params: params('projectId'),
        body: wrapped('project', { type: 'object', properties: projectProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize({ target: { project: { id: input.params['projectId'] } } })
        const current = await requireProjectOrDomain(ctx, input.params['projectId'] as string)
        const body = (input.body as { project: Record<string, unknown> }).project
        const project = await updateProjectOrDomain(ctx, current, projectInput(body))
        return { status: 200, body: { project: projectView(baseUrl(input), project) } }
      },
    },
    {
      method: 'DELETE',
      path: '/projects/:projectId',
      policy: 'identity:delete_project',
      schema: { params: params('projectId') },
      errors: [404],
      async handler(input) {
        input.authorize({ target: { project: { id: input.params['projectId'] } } })
        const target = await requireProjectOrDomain(ctx, input.params['projectId'] as string)
        if (target.isDomain) {
          await removeDomain(ctx, target.id)
          return { status: 204 }
        }
        await removeProject(
          ctx,
          input.params['projectId'] as string,
          queryBool(input.query, 'cascade') === true,
        )
        return { status: 204 }
      },
    },
    ...tagRoutes(ctx),
  ]
}
