/** @module block-storage/api/types-routes: volume types, extra specs and type access */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { VolumeTypeNotFoundError } from '../errors.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  changeTypeAccess,
  createVolumeType,
  deleteExtraSpec,
  deleteVolumeType,
  listVisibleTypes,
  setExtraSpecs,
  typeAccess,
  typeForCaller,
  updateVolumeType,
} from '../service/volume-types.js'
import { defaultType } from '../service/volume-types.js'
import {
  boolValue,
  callerOf,
  keyParams,
  member,
  optString,
  queryOne,
  stringMap,
} from './route-kit.js'
import { typeView } from './views.js'
import { optional } from './volumes-routes.js'

const P = '/v3/:project_id/types'
const params = keyParams

function isPublicQuery(input: RouteInput): boolean | null {
  const v = queryOne(input, 'is_public')
  if (v === undefined) return true
  if (v.toLowerCase() === 'none') return null
  return boolValue(v, 'is_public')
}

export function typeRoutes(ctx: BlockStorageContext): Route[] {
  const id = (input: RouteInput) => input.params['id'] ?? ''
  return [
    {
      method: 'GET',
      path: P,
      policy: 'volume_extension:types_manage:index',
      schema: { params },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const types = await listVisibleTypes(
          ctx,
          caller,
          caller.isAdmin ? isPublicQuery(input) : true,
        )
        return {
          status: 200,
          body: { volume_types: types.map((t) => typeView(t, caller.isAdmin)) },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id`,
      policy: 'volume_extension:types_manage:show',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const t =
          id(input) === 'default'
            ? await defaultType(ctx)
            : await typeForCaller(ctx, caller, id(input))
        return { status: 200, body: { volume_type: typeView(t, caller.isAdmin) } }
      },
    },
    {
      method: 'POST',
      path: P,
      policy: 'volume_extension:types_manage:create',
      schema: { params },
      errors: [400, 409],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'volume_type')
        const name = optString(body, 'name')
        if (!name)
          throw new BadRequestError("Invalid input received: 'name' is a required property.")
        const pub = body['os-volume-type-access:is_public'] ?? body['is_public']
        const t = await createVolumeType(ctx, {
          name,
          ...optional('description', optString(body, 'description')),
          ...(pub !== undefined ? { isPublic: boolValue(pub, 'is_public') } : {}),
          ...(body['extra_specs'] !== undefined
            ? { extraSpecs: stringMap(body['extra_specs'], 'extra_specs') }
            : {}),
        })
        return { status: 200, body: { volume_type: typeView(t, true, 'created') } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id`,
      policy: 'volume_extension:types_manage:update',
      schema: { params },
      errors: [400, 404, 409],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'volume_type')
        const pub = body['is_public'] ?? body['os-volume-type-access:is_public']
        const t = await updateVolumeType(ctx, id(input), {
          ...optional('name', optString(body, 'name') ?? undefined),
          ...('description' in body ? { description: optString(body, 'description') ?? null } : {}),
          ...(pub !== undefined ? { isPublic: boolValue(pub, 'is_public') } : {}),
        })
        return { status: 200, body: { volume_type: typeView(t, true, 'updated') } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id`,
      policy: 'volume_extension:types_manage:delete',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        await deleteVolumeType(ctx, id(input))
        return { status: 202 }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id/extra_specs`,
      policy: 'volume_extension:types_extra_specs:index',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const t = await typeForCaller(ctx, callerOf(input), id(input))
        return { status: 200, body: { extra_specs: t.extraSpecs } }
      },
    },
    {
      method: 'POST',
      path: `${P}/:id/extra_specs`,
      policy: 'volume_extension:types_extra_specs:create',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const given = stringMap(
          (input.body as Record<string, unknown> | null)?.['extra_specs'],
          'extra_specs',
        )
        await setExtraSpecs(ctx, id(input), given)
        return { status: 200, body: { extra_specs: given } }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id/extra_specs/:key`,
      policy: 'volume_extension:types_extra_specs:show',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const t = await typeForCaller(ctx, callerOf(input), id(input))
        const value = t.extraSpecs[key]
        if (value === undefined) throw new VolumeTypeNotFoundError(`${id(input)} extra spec ${key}`)
        return { status: 200, body: { [key]: value } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id/extra_specs/:key`,
      policy: 'volume_extension:types_extra_specs:update',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const given = stringMap(input.body, 'extra_specs')
        if (Object.keys(given).length !== 1 || !(key in given))
          throw new BadRequestError('Request body and URI mismatch')
        await setExtraSpecs(ctx, id(input), given)
        return { status: 200, body: given }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id/extra_specs/:key`,
      policy: 'volume_extension:types_extra_specs:delete',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await deleteExtraSpec(ctx, id(input), input.params['key'] ?? '')
        return { status: 202 }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id/os-volume-type-access`,
      policy: 'volume_extension:volume_type_access',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const projects = await typeAccess(ctx, id(input))
        return {
          status: 200,
          body: {
            volume_type_access: projects.map((p) => ({ volume_type_id: id(input), project_id: p })),
          },
        }
      },
    },
    {
      method: 'POST',
      path: `${P}/:id/action`,
      policy: 'volume_extension:volume_type_access:addProjectAccess',
      schema: { params },
      errors: [400, 404, 409],
      handler: async (input) => {
        const body = (input.body ?? {}) as Record<string, unknown>
        const add = 'addProjectAccess' in body
        if (!add && !('removeProjectAccess' in body)) {
          input.authorize()
          throw new BadRequestError(`There is no such action: ${Object.keys(body).join(', ')}`)
        }
        input.authorizeRule(
          add
            ? 'volume_extension:volume_type_access:addProjectAccess'
            : 'volume_extension:volume_type_access:removeProjectAccess',
        )
        const arg = (body[add ? 'addProjectAccess' : 'removeProjectAccess'] ?? {}) as Record<
          string,
          unknown
        >
        const project = optString(arg, 'project')
        if (!project) throw new BadRequestError('Access list requires a project.')
        await changeTypeAccess(ctx, id(input), project, add)
        return { status: 202 }
      },
    },
  ]
}
