/** @module block-storage/api/group-types-routes: /v3/{project_id}/group_types and group specs (3.11+) */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { GroupTypeNotFoundError, GroupTypeSpecNotFoundError } from '../errors.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  createGroupType,
  deleteGroupSpec,
  deleteGroupType,
  GROUP_TYPE_SORT_KEYS,
  groupTypeById,
  listVisibleGroupTypes,
  resolveGroupType,
  setGroupSpecs,
  updateGroupTypeInfo,
} from '../service/group-types.js'
import { groupTypeView } from './group-views.js'
import { pageRequest } from './list-query.js'
import {
  boolValue,
  callerOf,
  keyParams,
  member,
  optString,
  queryOne,
  stringMap,
} from './route-kit.js'
import { optional } from './volumes-routes.js'

const P = '/v3/:project_id/group_types'
const params = keyParams
const microversion = { min: '3.11' }

export function groupTypeRoutes(ctx: BlockStorageContext): Route[] {
  const id = (input: RouteInput) => input.params['id'] ?? ''
  const key = (input: RouteInput) => input.params['key'] ?? ''
  const route = (r: Omit<Route, 'schema' | 'microversion'>): Route => ({
    ...r,
    schema: { params },
    microversion,
  })
  return [
    route({
      method: 'GET',
      path: P,
      policy: 'group:group_types:index',
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const pub = queryOne(input, 'is_public')
        const isPublic =
          pub === undefined
            ? true
            : pub.toLowerCase() === 'none'
              ? null
              : boolValue(pub, 'is_public')
        const types = await listVisibleGroupTypes(ctx, caller, {
          isPublic,
          page: pageRequest(input, GROUP_TYPE_SORT_KEYS),
        })
        return {
          status: 200,
          body: { group_types: types.map((t) => groupTypeView(t, caller.isAdmin)) },
        }
      },
    }),
    route({
      method: 'GET',
      path: `${P}/:id`,
      policy: 'group:group_types:show',
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        // No default group type is configured, which Cinder answers with a 404.
        if (id(input) === 'default') throw new GroupTypeNotFoundError('default')
        const t = await resolveGroupType(ctx, caller, id(input))
        return { status: 200, body: { group_type: groupTypeView(t, caller.isAdmin) } }
      },
    }),
    route({
      method: 'POST',
      path: P,
      policy: 'group:group_types_manage',
      errors: [400, 409],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'group_type')
        const name = optString(body, 'name')
        if (!name)
          throw new BadRequestError("Invalid input received: 'name' is a required property.")
        const t = await createGroupType(ctx, {
          name,
          ...optional('description', optString(body, 'description')),
          ...(body['is_public'] !== undefined
            ? { isPublic: boolValue(body['is_public'], 'is_public') }
            : {}),
          ...(body['group_specs'] !== undefined
            ? { groupSpecs: stringMap(body['group_specs'], 'group_specs') }
            : {}),
        })
        return { status: 202, body: { group_type: groupTypeView(t, true) } }
      },
    }),
    route({
      method: 'PUT',
      path: `${P}/:id`,
      policy: 'group:group_types_manage',
      errors: [400, 404, 409],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'group_type')
        const t = await updateGroupTypeInfo(ctx, id(input), {
          ...optional('name', optString(body, 'name') ?? undefined),
          ...('description' in body ? { description: optString(body, 'description') ?? null } : {}),
          ...(body['is_public'] !== undefined
            ? { isPublic: boolValue(body['is_public'], 'is_public') }
            : {}),
        })
        return { status: 200, body: { group_type: groupTypeView(t, true) } }
      },
    }),
    route({
      method: 'DELETE',
      path: `${P}/:id`,
      policy: 'group:group_types_manage',
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        await deleteGroupType(ctx, id(input))
        return { status: 202 }
      },
    }),
    route({
      method: 'GET',
      path: `${P}/:id/group_specs`,
      policy: 'group:group_types_specs',
      errors: [404],
      handler: async (input) => {
        input.authorize()
        return {
          status: 200,
          body: { group_specs: (await groupTypeById(ctx, id(input))).groupSpecs },
        }
      },
    }),
    route({
      method: 'POST',
      path: `${P}/:id/group_specs`,
      policy: 'group:group_types_specs',
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const given = stringMap(
          (input.body as Record<string, unknown> | null)?.['group_specs'],
          'group_specs',
        )
        return { status: 202, body: { group_specs: await setGroupSpecs(ctx, id(input), given) } }
      },
    }),
    route({
      method: 'GET',
      path: `${P}/:id/group_specs/:key`,
      policy: 'group:group_types_specs',
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const value = (await groupTypeById(ctx, id(input))).groupSpecs[key(input)]
        if (value === undefined) throw new GroupTypeSpecNotFoundError(id(input), key(input))
        return { status: 200, body: { [key(input)]: value } }
      },
    }),
    route({
      method: 'PUT',
      path: `${P}/:id/group_specs/:key`,
      policy: 'group:group_types_specs',
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const given = stringMap(input.body, 'group_specs')
        if (Object.keys(given).length !== 1 || !(key(input) in given))
          throw new BadRequestError('Request body and URI mismatch')
        return { status: 200, body: await setGroupSpecs(ctx, id(input), given) }
      },
    }),
    route({
      method: 'DELETE',
      path: `${P}/:id/group_specs/:key`,
      policy: 'group:group_types_specs',
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await deleteGroupSpec(ctx, id(input), key(input))
        return { status: 202 }
      },
    }),
  ]
}
