/** @module block-storage/api/qos-routes: /v3/{project_id}/qos-specs and their associations */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  associateQosSpecs,
  createQosSpecs,
  deleteQosSpecs,
  disassociateAllQosSpecs,
  disassociateQosSpecs,
  listAllQosSpecs,
  qosAssociations,
  qosSpecsById,
  setQosKeys,
  unsetQosKeys,
} from '../service/qos-specs.js'
import { boolValue, member, projectParams, queryOne, stringMap } from './route-kit.js'
import { qosLinks, qosSpecsView } from './views.js'

const P = '/v3/:project_id/qos-specs'
const params = projectParams

export function qosRoutes(ctx: BlockStorageContext): Route[] {
  const id = (input: RouteInput) => input.params['id'] ?? ''
  const association = (suffix: string, change: (input: RouteInput) => Promise<void>): Route => ({
    method: 'GET',
    path: `${P}/:id/${suffix}`,
    policy: 'volume_extension:qos_specs_manage:update',
    schema: { params },
    errors: [400, 404],
    handler: async (input) => {
      input.authorize()
      await change(input)
      return { status: 202 }
    },
  })
  return [
    {
      method: 'GET',
      path: P,
      policy: 'volume_extension:qos_specs_manage:get_all',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        return { status: 200, body: { qos_specs: (await listAllQosSpecs(ctx)).map(qosSpecsView) } }
      },
    },
    {
      method: 'POST',
      path: P,
      policy: 'volume_extension:qos_specs_manage:create',
      schema: { params },
      errors: [400, 409],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'qos_specs')
        const name = body['name']
        if (typeof name !== 'string')
          throw new BadRequestError("Invalid input received: 'name' is a required property.")
        const consumer = body['consumer']
        if (consumer !== undefined && typeof consumer !== 'string')
          throw new BadRequestError('Invalid input received: consumer must be a string.')
        const q = await createQosSpecs(ctx, {
          name,
          ...(consumer !== undefined ? { consumer } : {}),
          specs: stringMap(body, 'qos_specs', ['name', 'consumer']),
        })
        return { status: 200, body: { qos_specs: qosSpecsView(q), links: qosLinks(input, q.id) } }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id`,
      policy: 'volume_extension:qos_specs_manage:get',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const q = await qosSpecsById(ctx, id(input))
        return { status: 200, body: { qos_specs: qosSpecsView(q), links: qosLinks(input, q.id) } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id`,
      policy: 'volume_extension:qos_specs_manage:update',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const given = stringMap(member(input, 'qos_specs'), 'qos_specs')
        return { status: 200, body: { qos_specs: await setQosKeys(ctx, id(input), given) } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id/delete_keys`,
      policy: 'volume_extension:qos_specs_manage:update',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const keys = (input.body as Record<string, unknown> | null)?.['keys']
        if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
          throw new BadRequestError('Invalid input received: keys must be a list of strings.')
        await unsetQosKeys(ctx, id(input), keys as string[])
        return { status: 202 }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id`,
      policy: 'volume_extension:qos_specs_manage:delete',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const force = boolValue(queryOne(input, 'force') ?? 'false', 'force')
        await deleteQosSpecs(ctx, id(input), force)
        return { status: 202 }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id/associations`,
      policy: 'volume_extension:qos_specs_manage:get',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const types = await qosAssociations(ctx, id(input))
        return {
          status: 200,
          body: {
            qos_associations: types.map((t) => ({
              association_type: 'volume_type',
              name: t.name,
              id: t.id,
            })),
          },
        }
      },
    },
    association('associate', (input) =>
      associateQosSpecs(ctx, id(input), queryOne(input, 'vol_type_id')),
    ),
    association('disassociate', (input) =>
      disassociateQosSpecs(ctx, id(input), queryOne(input, 'vol_type_id')),
    ),
    association('disassociate_all', (input) => disassociateAllQosSpecs(ctx, id(input))),
  ]
}
