/** @module identity/api/users-routes: /v3/users, their password, groups, projects and group membership */
import type { Route, RouteInput } from '../../core/http/index.js'
import {
  type UserFilter,
  groupIdsOfUser,
  listGroupsBy,
  listProjectsBy,
  listUsersBy,
  userIdsInGroup,
} from '../service/queries.js'
import type { IdentityContext } from '../service/context.js'
import {
  addUserToGroup,
  checkUserInGroup,
  createGroupIn,
  removeGroup,
  removeUserFromGroup,
  requireGroup,
  updateGroupBy,
} from '../service/groups.js'
import { requireUser } from '../service/lookups.js'
import { projectIdsOfUser } from '../service/projects.js'
import {
  changeOwnPassword,
  createUserIn,
  passwordExpiry,
  removeUser,
  updateUserBy,
  type UserInput,
} from '../service/users.js'
import { baseUrl, listLinks } from './links.js'
import { extraFields, queryBool, queryString } from './query.js'
import { boolean, descriptionString, nameString, params, wrapped } from './schemas.js'
import { groupView, projectView, userView } from './views.js'

const USER_FIELDS = [
  'id',
  'name',
  'domain_id',
  'enabled',
  'password',
  'default_project_id',
  'options',
  'links',
  'password_expires_at',
]
const userProps = {
  name: nameString,
  domain_id: { type: 'string', maxLength: 64 },
  enabled: boolean,
  password: { type: ['string', 'null'], maxLength: 4096 },
  default_project_id: { type: ['string', 'null'], maxLength: 64 },
  options: { type: 'object' },
  description: descriptionString,
  email: { type: ['string', 'null'] },
}

function userInput(body: Record<string, unknown>): UserInput {
  return {
    ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
    ...(typeof body['domain_id'] === 'string' ? { domainId: body['domain_id'] } : {}),
    ...(typeof body['enabled'] === 'boolean' ? { enabled: body['enabled'] } : {}),
    ...(body['password'] !== undefined ? { password: body['password'] as string | null } : {}),
    ...(body['default_project_id'] !== undefined
      ? { defaultProjectId: body['default_project_id'] as string | null }
      : {}),
    ...(body['options'] !== undefined
      ? { options: body['options'] as Record<string, unknown> }
      : {}),
    extra: extraFields(body, USER_FIELDS),
  }
}

function callerDomain(input: RouteInput): string {
  const identity = input.context.identity
  return identity?.domainId ?? identity?.projectDomainId ?? 'default'
}

const userTarget = (input: RouteInput) => ({ target: { user: { id: input.params['userId'] } } })

function userRoutes(ctx: IdentityContext): Route[] {
  const view = async (input: RouteInput, user: Parameters<typeof userView>[1]) =>
    userView(baseUrl(input), user, await passwordExpiry(ctx, user.id))
  return [
    {
      method: 'POST',
      path: '/users',
      policy: 'identity:create_user',
      schema: {
        body: wrapped('user', { type: 'object', required: ['name'], properties: userProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        const user = await createUserIn(
          ctx,
          userInput((input.body as { user: Record<string, unknown> }).user),
          callerDomain(input),
        )
        return { status: 201, body: { user: await view(input, user) } }
      },
    },
    {
      method: 'GET',
      path: '/users',
      policy: 'identity:list_users',
      errors: [],
      async handler(input) {
        input.authorize()
        const filter: UserFilter = {}
        const name = queryString(input.query, 'name')
        if (name !== undefined) filter.name = name
        const contains = queryString(input.query, 'name__contains')
        if (contains !== undefined) filter.nameContains = contains
        const icontains = queryString(input.query, 'name__icontains')
        if (icontains !== undefined) filter.nameIcontains = icontains
        const domainId = queryString(input.query, 'domain_id')
        if (domainId !== undefined) filter.domainId = domainId
        const enabled = queryBool(input.query, 'enabled')
        if (enabled !== undefined) filter.enabled = enabled
        const users = await listUsersBy(ctx, filter)
        return {
          status: 200,
          body: {
            users: await Promise.all(users.map((u) => view(input, u))),
            links: listLinks(input),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/users/:userId',
      policy: 'identity:get_user',
      schema: { params: params('userId') },
      errors: [404],
      async handler(input) {
        input.authorize(userTarget(input))
        return {
          status: 200,
          body: {
            user: await view(input, await requireUser(ctx, input.params['userId'] as string)),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/users/:userId',
      policy: 'identity:update_user',
      schema: {
        params: params('userId'),
        body: wrapped('user', { type: 'object', properties: userProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize(userTarget(input))
        const user = await updateUserBy(
          ctx,
          input.params['userId'] as string,
          userInput((input.body as { user: Record<string, unknown> }).user),
        )
        return { status: 200, body: { user: await view(input, user) } }
      },
    },
    {
      method: 'DELETE',
      path: '/users/:userId',
      policy: 'identity:delete_user',
      schema: { params: params('userId') },
      errors: [404],
      async handler(input) {
        input.authorize(userTarget(input))
        await removeUser(ctx, input.params['userId'] as string)
        return { status: 204 }
      },
    },
    {
      method: 'POST',
      path: '/users/:userId/password',
      auth: 'none',
      schema: {
        params: params('userId'),
        body: wrapped('user', {
          type: 'object',
          required: ['password', 'original_password'],
          properties: {
            password: { type: 'string', maxLength: 4096 },
            original_password: { type: 'string', maxLength: 4096 },
          },
        }),
      },
      errors: [401, 404],
      async handler(input) {
        const { user } = input.body as { user: { password: string; original_password: string } }
        await changeOwnPassword(
          ctx,
          input.params['userId'] as string,
          user.original_password,
          user.password,
        )
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/users/:userId/groups',
      policy: 'identity:list_groups_for_user',
      schema: { params: params('userId') },
      errors: [404],
      async handler(input) {
        input.authorize(userTarget(input))
        const user = await requireUser(ctx, input.params['userId'] as string)
        const groups = await listGroupsBy(ctx, { ids: await groupIdsOfUser(ctx, user.id) })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { groups: groups.map((g) => groupView(base, g)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/users/:userId/projects',
      policy: 'identity:list_user_projects',
      schema: { params: params('userId') },
      errors: [404],
      async handler(input) {
        input.authorize(userTarget(input))
        const user = await requireUser(ctx, input.params['userId'] as string)
        const ids = await projectIdsOfUser(ctx, user.id, await groupIdsOfUser(ctx, user.id))
        const enabled = queryBool(input.query, 'enabled')
        const projects = await listProjectsBy(ctx, {
          ids,
          isDomain: false,
          ...(enabled !== undefined ? { enabled } : {}),
        })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { projects: projects.map((p) => projectView(base, p)), links: listLinks(input) },
        }
      },
    },
  ]
}

const groupProps = {
  name: nameString,
  description: descriptionString,
  domain_id: { type: 'string', maxLength: 64 },
}

export function userAndGroupRoutes(ctx: IdentityContext): Route[] {
  const member = (input: RouteInput) =>
    [input.params['groupId'] as string, input.params['userId'] as string] as const
  return [
    ...userRoutes(ctx),
    {
      method: 'POST',
      path: '/groups',
      policy: 'identity:create_group',
      schema: {
        body: wrapped('group', { type: 'object', required: ['name'], properties: groupProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        const body = (input.body as { group: Record<string, unknown> }).group
        const group = await createGroupIn(
          ctx,
          {
            name: body['name'] as string,
            ...(typeof body['description'] === 'string'
              ? { description: body['description'] }
              : {}),
            ...(typeof body['domain_id'] === 'string' ? { domainId: body['domain_id'] } : {}),
            extra: extraFields(body, ['id', 'name', 'description', 'domain_id', 'links']),
          },
          callerDomain(input),
        )
        return { status: 201, body: { group: groupView(baseUrl(input), group) } }
      },
    },
    {
      method: 'GET',
      path: '/groups',
      policy: 'identity:list_groups',
      errors: [],
      async handler(input) {
        input.authorize()
        const name = queryString(input.query, 'name')
        const domainId = queryString(input.query, 'domain_id')
        const groups = await listGroupsBy(ctx, {
          ...(name !== undefined ? { name } : {}),
          ...(domainId !== undefined ? { domainId } : {}),
        })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { groups: groups.map((g) => groupView(base, g)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/groups/:groupId',
      policy: 'identity:get_group',
      schema: { params: params('groupId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            group: groupView(
              baseUrl(input),
              await requireGroup(ctx, input.params['groupId'] as string),
            ),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/groups/:groupId',
      policy: 'identity:update_group',
      schema: {
        params: params('groupId'),
        body: wrapped('group', { type: 'object', properties: groupProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        const body = (input.body as { group: Record<string, unknown> }).group
        const group = await updateGroupBy(ctx, input.params['groupId'] as string, {
          ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
          ...(body['description'] !== undefined
            ? { description: (body['description'] as string | null) ?? '' }
            : {}),
          ...(typeof body['domain_id'] === 'string' ? { domainId: body['domain_id'] } : {}),
          extra: extraFields(body, ['id', 'name', 'description', 'domain_id', 'links']),
        })
        return { status: 200, body: { group: groupView(baseUrl(input), group) } }
      },
    },
    {
      method: 'DELETE',
      path: '/groups/:groupId',
      policy: 'identity:delete_group',
      schema: { params: params('groupId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeGroup(ctx, input.params['groupId'] as string)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/groups/:groupId/users',
      policy: 'identity:list_users_in_group',
      schema: { params: params('groupId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        const group = await requireGroup(ctx, input.params['groupId'] as string)
        const users = await listUsersBy(ctx, { ids: await userIdsInGroup(ctx, group.id) })
        const base = baseUrl(input)
        const views = await Promise.all(
          users.map(async (u) => userView(base, u, await passwordExpiry(ctx, u.id))),
        )
        return { status: 200, body: { users: views, links: listLinks(input) } }
      },
    },
    {
      method: 'PUT',
      path: '/groups/:groupId/users/:userId',
      policy: 'identity:add_user_to_group',
      schema: { params: params('groupId', 'userId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await addUserToGroup(ctx, ...member(input))
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/groups/:groupId/users/:userId',
      policy: 'identity:check_user_in_group',
      schema: { params: params('groupId', 'userId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await checkUserInGroup(ctx, ...member(input))
        return { status: 204 }
      },
    },
    {
      method: 'DELETE',
      path: '/groups/:groupId/users/:userId',
      policy: 'identity:remove_user_from_group',
      schema: { params: params('groupId', 'userId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeUserFromGroup(ctx, ...member(input))
        return { status: 204 }
      },
    },
  ]
}
