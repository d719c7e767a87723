/** @module block-storage/api/attachments-routes: the v3 attachments API (3.27+) */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route } from '../../core/http/index.js'
import {
  completeAttachment,
  createAttachmentFor,
  deleteAttachment,
  listVisibleAttachments,
  updateAttachmentConnector,
  visibleAttachment,
} from '../service/attachments.js'
import type { BlockStorageContext } from '../service/context.js'
import { tenancy } from './list-query.js'
import { callerOf, member, optString, projectParams, queryOne } from './route-kit.js'
import { attachmentView } from './views.js'
import { optional } from './volumes-routes.js'

const P = '/v3/:project_id/attachments'
const V = { min: '3.27' }

function connectorArg(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value))
    throw new BadRequestError('Invalid input received: connector must be an object.')
  return value as Record<string, unknown>
}

export function attachmentRoutes(ctx: BlockStorageContext): Route[] {
  const list = (detail: boolean): Route => ({
    method: 'GET',
    path: `${P}${detail ? '/detail' : ''}`,
    policy: 'volume:attachment_index',
    microversion: V,
    schema: { params: projectParams },
    errors: [400],
    handler: async (input) => {
      input.authorize()
      const items = await listVisibleAttachments(ctx, callerOf(input), {
        ...optional('volumeId', queryOne(input, 'volume_id')),
        ...optional('instanceId', queryOne(input, 'instance_id')),
        ...optional('allTenants', tenancy(input).allTenants),
      })
      return { status: 200, body: { attachments: items.map((a) => attachmentView(a, detail)) } }
    },
  })
  return [
    list(false),
    list(true),
    {
      method: 'GET',
      path: `${P}/:id`,
      policy: 'volume:attachment_show',
      microversion: V,
      schema: { params: projectParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const a = await visibleAttachment(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: { attachment: attachmentView(a, true) } }
      },
    },
    {
      method: 'POST',
      path: P,
      policy: 'volume:attachment_create',
      microversion: V,
      schema: { params: projectParams },
      errors: [400, 404, 500],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'attachment')
        const volumeId = optString(body, 'volume_uuid')
        if (!volumeId)
          throw new BadRequestError("Invalid input received: 'volume_uuid' is required.")
        const connector = connectorArg(body['connector'])
        const a = await createAttachmentFor(ctx, callerOf(input), {
          volumeId,
          ...optional('instanceUuid', optString(body, 'instance_uuid') ?? undefined),
          ...optional('mode', optString(body, 'mode') ?? undefined),
          ...(connector ? { connector } : {}),
        })
        return { status: 200, body: { attachment: attachmentView(a, true) } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id`,
      policy: 'volume:attachment_update',
      microversion: V,
      schema: { params: projectParams },
      errors: [400, 404, 500],
      handler: async (input) => {
        input.authorize()
        const connector = connectorArg(member(input, 'attachment')['connector'])
        if (!connector)
          throw new BadRequestError('Invalid input received: a connector is required.')
        const a = await updateAttachmentConnector(
          ctx,
          callerOf(input),
          input.params['id'] ?? '',
          connector,
        )
        return { status: 200, body: { attachment: attachmentView(a, true) } }
      },
    },
    {
      method: 'POST',
      path: `${P}/:id/action`,
      policy: 'volume:attachment_complete',
      microversion: { min: '3.44' },
      schema: { params: projectParams },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const body = (input.body ?? {}) as Record<string, unknown>
        if (!('os-complete' in body))
          throw new BadRequestError(`There is no such action: ${Object.keys(body).join(', ')}`)
        await completeAttachment(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id`,
      policy: 'volume:attachment_delete',
      microversion: V,
      schema: { params: projectParams },
      errors: [400, 404, 500],
      handler: async (input) => {
        input.authorize()
        await deleteAttachment(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: {} }
      },
    },
  ]
}
