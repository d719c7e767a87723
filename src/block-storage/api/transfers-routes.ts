/** @module block-storage/api/transfers-routes: os-volume-transfer and volume-transfers (3.55+) */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  acceptTransfer,
  createTransfer,
  deleteTransfer,
  listVisibleTransfers,
  visibleTransfer,
} from '../service/transfers.js'
import { filter, tenancy } from './list-query.js'
import { atLeast, boolValue, callerOf, member, optString, projectParams } from './route-kit.js'
import { transferView } from './views.js'
import { optional } from './volumes-routes.js'

const params = projectParams

/** The same API at two paths: the legacy extension, and the 3.55 resource with `no_snapshots`. */
function transferRoutesAt(
  ctx: BlockStorageContext,
  base: string,
  microversion?: { min: string },
): Route[] {
  const P = `/v3/:project_id/${base}`
  const id = (input: RouteInput) => input.params['id'] ?? ''
  const range = microversion ? { microversion } : {}
  const list = (detail: boolean): Route => ({
    method: 'GET',
    path: `${P}${detail ? '/detail' : ''}`,
    policy: 'volume:get_all_transfers',
    schema: { params },
    errors: [400],
    ...range,
    handler: async (input) => {
      input.authorize()
      const items = await listVisibleTransfers(ctx, callerOf(input), {
        ...optional('allTenants', tenancy(input).allTenants),
        ...optional('name', filter(input, 'name')),
        ...optional('volumeId', filter(input, 'volume_id')),
      })
      return {
        status: 200,
        body: {
          transfers: items.map((t) => transferView(input, t, detail ? 'detail' : 'summary')),
        },
      }
    },
  })
  return [
    list(false),
    list(true),
    {
      method: 'POST',
      path: P,
      policy: 'volume:create_transfer',
      schema: { params },
      errors: [400, 404],
      ...range,
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'transfer')
        const volumeId = optString(body, 'volume_id')
        if (!volumeId) throw new BadRequestError('Incorrect request body format: volume_id.')
        const noSnapshots =
          microversion && atLeast(input, '3.55') && body['no_snapshots'] !== undefined
            ? boolValue(body['no_snapshots'], 'no_snapshots')
            : false
        const t = await createTransfer(ctx, callerOf(input), {
          volumeId,
          name: optString(body, 'name') ?? null,
          noSnapshots,
        })
        return { status: 202, body: { transfer: transferView(input, t, 'created', t.authKey) } }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id`,
      policy: 'volume:get_transfer',
      schema: { params },
      errors: [404],
      ...range,
      handler: async (input) => {
        input.authorize()
        const t = await visibleTransfer(ctx, callerOf(input), id(input))
        return { status: 200, body: { transfer: transferView(input, t, 'detail') } }
      },
    },
    {
      method: 'POST',
      path: `${P}/:id/accept`,
      policy: 'volume:accept_transfer',
      schema: { params },
      errors: [400, 404, 413],
      ...range,
      handler: async (input) => {
        input.authorize()
        const authKey = optString(member(input, 'accept'), 'auth_key')
        if (!authKey) throw new BadRequestError('Incorrect request body format: auth_key.')
        const t = await acceptTransfer(ctx, callerOf(input), id(input), authKey)
        return { status: 202, body: { transfer: transferView(input, t, 'summary') } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id`,
      policy: 'volume:delete_transfer',
      schema: { params },
      errors: [404],
      ...range,
      handler: async (input) => {
        input.authorize()
        await deleteTransfer(ctx, callerOf(input), id(input))
        return { status: 202 }
      },
    },
  ]
}

export function transferRoutes(ctx: BlockStorageContext): Route[] {
  return [
    ...transferRoutesAt(ctx, 'os-volume-transfer'),
    ...transferRoutesAt(ctx, 'volume-transfers', { min: '3.55' }),
  ]
}
