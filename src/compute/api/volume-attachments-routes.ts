/** @module compute/api/volume-attachments-routes: /servers/{id}/os-volume_attachments */
import { BadRequestError } from '../../core/errors/index.js'
import type { JsonSchema, Route, RouteInput } from '../../core/http/index.js'
import type { BlockDevice } from '../model/block-device.js'
import type { ComputeContext } from '../service/context.js'
import { showServer } from '../service/server-list.js'
import {
  attachVolume,
  detachVolume,
  listVolumeAttachments,
  showVolumeAttachment,
  updateVolumeAttachment,
  type VolumeCaller,
} from '../service/server-volumes.js'
import { rule } from './policy.js'
import { atLeast, callerOf, member, queryOne } from './route-kit.js'

const uuid = { type: 'string', format: 'uuid' }
const device = {
  type: ['string', 'null'],
  pattern: '(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$',
}
const tag = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,/]*$' }

const attachBody: JsonSchema = {
  type: 'object',
  required: ['volumeAttachment'],
  additionalProperties: false,
  properties: {
    volumeAttachment: {
      type: 'object',
      required: ['volumeId'],
      additionalProperties: false,
      properties: { volumeId: uuid, device, tag, delete_on_termination: { type: 'boolean' } },
    },
  },
}

const updateBody: JsonSchema = {
  type: 'object',
  required: ['volumeAttachment'],
  additionalProperties: false,
  properties: {
    volumeAttachment: {
      type: 'object',
      required: ['volumeId'],
      additionalProperties: false,
      properties: {
        volumeId: uuid,
        device,
        tag,
        delete_on_termination: { type: 'boolean' },
        server_id: uuid,
        id: uuid,
      },
    },
  },
}

const listQuery: JsonSchema = {
  type: 'object',
  properties: {
    limit: { type: 'string', pattern: '^[0-9]+$' },
    offset: { type: 'string', pattern: '^[0-9]+$' },
  },
}

/** A mapping as Nova shows it; `id` (the volume's) gives way to attachment_id and bdm_uuid at 2.89. */
function attachmentView(input: RouteInput, d: BlockDevice, detailed: boolean) {
  const view: Record<string, unknown> = {}
  if (!detailed || !atLeast(input, '2.89')) view['id'] = d.volumeId
  view['serverId'] = d.instanceUuid
  view['volumeId'] = d.volumeId
  view['device'] = d.deviceName
  if (atLeast(input, '2.70')) view['tag'] = d.tag
  if (atLeast(input, '2.79')) view['delete_on_termination'] = d.deleteOnTermination
  if (detailed && atLeast(input, '2.89')) {
    view['attachment_id'] = d.attachmentId
    view['bdm_uuid'] = d.uuid
  }
  return view
}

/** Nova's wording for a field the request's microversion does not know yet. */
function refuseBefore(input: RouteInput, body: Record<string, unknown>, key: string, v: string) {
  if (body[key] !== undefined && !atLeast(input, v)) {
    throw new BadRequestError(
      `Invalid input for field/attribute volumeAttachment. Value: ${JSON.stringify(body)}. Additional properties are not allowed ('${key}' was unexpected)`,
    )
  }
}

/** Authorizes `name` on the server's project (404 first when it is not visible). */
async function authorizeOn(ctx: ComputeContext, input: RouteInput, name: string) {
  const caller: VolumeCaller = { ...callerOf(input), token: input.context.authToken ?? '' }
  const id = input.params['id'] ?? ''
  const { instance } = await showServer(ctx, caller, id)
  input.authorizeRule(rule(name), { project_id: instance.projectId })
  return { caller, id }
}

export function volumeAttachmentRoutes(ctx: ComputeContext): Route[] {
  const path = '/v2.1/servers/:id/os-volume_attachments'
  return [
    {
      method: 'GET',
      path,
      policy: rule('os-volumes-attachments:index'),
      schema: { query: listQuery },
      errors: [404],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-volumes-attachments:index')
        const all = await listVolumeAttachments(ctx, caller, id)
        const offset = Number(queryOne(input, 'offset') ?? 0)
        const limit = queryOne(input, 'limit')
        const page = all.slice(offset, limit === undefined ? undefined : offset + Number(limit))
        return {
          status: 200,
          body: { volumeAttachments: page.map((d) => attachmentView(input, d, true)) },
        }
      },
    },
    {
      method: 'GET',
      path: `${path}/:volume_id`,
      policy: rule('os-volumes-attachments:show'),
      errors: [404],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-volumes-attachments:show')
        const d = await showVolumeAttachment(ctx, caller, id, input.params['volume_id'] ?? '')
        return { status: 200, body: { volumeAttachment: attachmentView(input, d, true) } }
      },
    },
    {
      method: 'POST',
      path,
      policy: rule('os-volumes-attachments:create'),
      schema: { body: attachBody },
      errors: [400, 404, 409],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-volumes-attachments:create')
        const body = member(input, 'volumeAttachment')
        refuseBefore(input, body, 'tag', '2.49')
        refuseBefore(input, body, 'delete_on_termination', '2.79')
        const d = await attachVolume(ctx, caller, id, {
          volumeId: String(body['volumeId']),
          ...(typeof body['device'] === 'string' ? { device: body['device'] } : {}),
          ...(typeof body['tag'] === 'string' ? { tag: body['tag'] } : {}),
          ...(typeof body['delete_on_termination'] === 'boolean'
            ? { deleteOnTermination: body['delete_on_termination'] }
            : {}),
        })
        return { status: 200, body: { volumeAttachment: attachmentView(input, d, false) } }
      },
    },
    {
      method: 'PUT',
      path: `${path}/:volume_id`,
      policy: rule('os-volumes-attachments:update'),
      schema: { body: updateBody },
      errors: [400, 404, 409],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-volumes-attachments:update')
        const volumeId = input.params['volume_id'] ?? ''
        const body = member(input, 'volumeAttachment')
        const swapOnly = !atLeast(input, '2.85')
        if (swapOnly || body['volumeId'] !== volumeId) {
          input.authorizeRule(rule('os-volumes-attachments:swap'), {})
        }
        for (const key of ['delete_on_termination', 'tag', 'server_id', 'id', 'device']) {
          refuseBefore(input, body, key, '2.85')
        }
        const str = (k: string) => (typeof body[k] === 'string' ? body[k] : undefined)
        await updateVolumeAttachment(
          ctx,
          caller,
          id,
          volumeId,
          {
            volumeId: String(body['volumeId']),
            ...(typeof body['delete_on_termination'] === 'boolean'
              ? { deleteOnTermination: body['delete_on_termination'] }
              : {}),
            ...(body['device'] !== undefined ? { device: str('device') ?? null } : {}),
            ...(body['tag'] !== undefined ? { tag: str('tag') ?? null } : {}),
            ...(str('server_id') !== undefined ? { serverId: str('server_id') } : {}),
            ...(str('id') !== undefined ? { id: str('id') } : {}),
          },
          { swapOnly },
        )
        return { status: 202 }
      },
    },
    {
      method: 'DELETE',
      path: `${path}/:volume_id`,
      policy: rule('os-volumes-attachments:delete'),
      errors: [400, 404, 409],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-volumes-attachments:delete')
        await detachVolume(ctx, caller, id, input.params['volume_id'] ?? '')
        return { status: 202 }
      },
    },
  ]
}
