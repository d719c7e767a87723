/** @module block-storage/api/volume-actions-routes: POST /volumes/{id}/action, one handler per key */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput, RouteResult } from '../../core/http/index.js'
import {
  attachVolume,
  beginDetaching,
  detachVolume,
  initializeConnection,
  reserveVolume,
  rollDetaching,
  terminateConnection,
  unreserveVolume,
} from '../service/attachments.js'
import type { BlockStorageContext, Caller } from '../service/context.js'
import { imageMetadataOf, setImageMetadata, unsetImageMetadata } from '../service/image-metadata.js'
import { typeById } from '../service/records.js'
import {
  extendVolume,
  resetVolumeStatus,
  retypeVolume,
  setBootable,
  setReadonly,
  uploadToImage,
} from '../service/volume-actions.js'
import { deleteVolume } from '../service/volumes.js'
import { atLeast, boolValue, callerOf, microTime, optString, projectParams } from './route-kit.js'
import { optional } from './volumes-routes.js'

type Action = (
  ctx: BlockStorageContext,
  input: RouteInput,
  args: { caller: Caller; id: string; body: Record<string, unknown> },
) => Promise<RouteResult>

const accepted: RouteResult = { status: 202 }

function objectArg(value: unknown, name: string): Record<string, unknown> {
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value))
    throw new BadRequestError(`Invalid input received: ${name} must be an object.`)
  return value as Record<string, unknown>
}

function connectorOf(body: Record<string, unknown>): Record<string, unknown> {
  const c = body['connector']
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw new BadRequestError('Invalid input received: connector must be an object.')
  return c as Record<string, unknown>
}

/** Actions by body key, with the policy rule each authorizes against. */
const ACTIONS: Record<string, { rule: string; run: Action }> = {
  'os-extend': {
    rule: 'volume:extend',
    run: async (ctx, input, { caller, id, body }) => {
      await extendVolume(ctx, caller, id, {
        newSize: body['new_size'],
        allowInUse: atLeast(input, '3.42'),
      })
      return accepted
    },
  },
  'os-set_bootable': {
    rule: 'volume:update',
    run: async (ctx, _input, { caller, id, body }) => {
      if (body['bootable'] === undefined)
        throw new BadRequestError('Must specify bootable in request.')
      await setBootable(ctx, caller, id, boolValue(body['bootable'], 'bootable'))
      return { status: 200 }
    },
  },
  'os-update_readonly_flag': {
    rule: 'volume:update_readonly_flag',
    run: async (ctx, _input, { caller, id, body }) => {
      if (body['readonly'] === undefined)
        throw new BadRequestError('Must specify readonly in request.')
      await setReadonly(ctx, caller, id, boolValue(body['readonly'], 'readonly'))
      return accepted
    },
  },
  'os-reset_status': {
    rule: 'volume_extension:volume_admin_actions:reset_status',
    run: async (ctx, _input, { caller, id, body }) => {
      await resetVolumeStatus(ctx, caller, id, {
        ...optional('status', optString(body, 'status') ?? undefined),
        ...optional('attachStatus', optString(body, 'attach_status') ?? undefined),
      })
      return accepted
    },
  },
  'os-force_delete': {
    rule: 'volume_extension:volume_admin_actions:force_delete',
    run: async (ctx, _input, { caller, id }) => {
      await deleteVolume(ctx, caller, id, { force: true, cascade: true })
      return accepted
    },
  },
  'os-retype': {
    rule: 'volume:retype',
    run: async (ctx, _input, { caller, id, body }) => {
      const newType = optString(body, 'new_type')
      if (!newType) throw new BadRequestError('New volume type must be specified.')
      await retypeVolume(ctx, caller, id, {
        newType,
        ...optional('migrationPolicy', optString(body, 'migration_policy') ?? undefined),
      })
      return accepted
    },
  },
  'os-reserve': {
    rule: 'volume:reserve_volume',
    run: async (ctx, _input, { caller, id }) => {
      await reserveVolume(ctx, caller, id)
      return accepted
    },
  },
  'os-unreserve': {
    rule: 'volume:unreserve_volume',
    run: async (ctx, _input, { caller, id }) => {
      await unreserveVolume(ctx, caller, id)
      return accepted
    },
  },
  'os-begin_detaching': {
    rule: 'volume:begin_detaching',
    run: async (ctx, _input, { caller, id }) => {
      await beginDetaching(ctx, caller, id)
      return accepted
    },
  },
  'os-roll_detaching': {
    rule: 'volume:roll_detaching',
    run: async (ctx, _input, { caller, id }) => {
      await rollDetaching(ctx, caller, id)
      return accepted
    },
  },
  'os-initialize_connection': {
    rule: 'volume:initialize_connection',
    run: async (ctx, _input, { caller, id, body }) => {
      const info = await initializeConnection(ctx, caller, id, connectorOf(body))
      return { status: 200, body: { connection_info: info } }
    },
  },
  'os-terminate_connection': {
    rule: 'volume:terminate_connection',
    run: async (ctx, _input, { caller, id, body }) => {
      await terminateConnection(ctx, caller, id, connectorOf(body))
      return accepted
    },
  },
  'os-attach': {
    rule: 'volume:attach',
    run: async (ctx, _input, { caller, id, body }) => {
      const mountpoint = optString(body, 'mountpoint')
      if (!mountpoint) throw new BadRequestError('Must specify mountpoint in request.')
      await attachVolume(ctx, caller, id, {
        mountpoint,
        ...optional('instanceUuid', optString(body, 'instance_uuid') ?? undefined),
        ...optional('hostName', optString(body, 'host_name') ?? undefined),
        ...optional('mode', optString(body, 'mode') ?? undefined),
      })
      return accepted
    },
  },
  'os-detach': {
    rule: 'volume:detach',
    run: async (ctx, _input, { caller, id, body }) => {
      await detachVolume(ctx, caller, id, {
        ...optional('attachmentId', optString(body, 'attachment_id') ?? undefined),
      })
      return accepted
    },
  },
  'os-force_detach': {
    rule: 'volume_extension:volume_admin_actions:force_detach',
    run: async (ctx, _input, { caller, id, body }) => {
      await detachVolume(ctx, caller, id, {
        force: true,
        ...optional('attachmentId', optString(body, 'attachment_id') ?? undefined),
      })
      return accepted
    },
  },
  'os-set_image_metadata': {
    rule: 'volume_extension:volume_image_metadata:set',
    run: async (ctx, _input, { caller, id, body }) => {
      if (body['metadata'] === undefined)
        throw new BadRequestError("Invalid input received: 'metadata' is a required property.")
      const metadata = await setImageMetadata(ctx, caller, id, body['metadata'])
      return { status: 200, body: { metadata } }
    },
  },
  'os-unset_image_metadata': {
    rule: 'volume_extension:volume_image_metadata:remove',
    run: async (ctx, _input, { caller, id, body }) => {
      const key = optString(body, 'key')
      if (!key || key.length > 255)
        throw new BadRequestError('Invalid input received: key must be 1 to 255 characters.')
      await unsetImageMetadata(ctx, caller, id, key)
      return { status: 200 }
    },
  },
  'os-show_image_metadata': {
    rule: 'volume_extension:volume_image_metadata:show',
    run: async (ctx, _input, { caller, id }) => ({
      status: 200,
      body: { metadata: await imageMetadataOf(ctx, caller, id) },
    }),
  },
  'os-volume_upload_image': {
    rule: 'volume_extension:volume_actions:upload_image',
    run: async (ctx, input, { caller, id, body }) => {
      const imageName = optString(body, 'image_name')
      if (!imageName) throw new BadRequestError('No image_name was specified in request.')
      const force = body['force'] === undefined ? false : boolValue(body['force'], 'force')
      const r = await uploadToImage(ctx, caller, id, {
        imageName,
        force,
        ...optional('diskFormat', optString(body, 'disk_format') ?? undefined),
        ...optional('containerFormat', optString(body, 'container_format') ?? undefined),
      })
      const type = await typeById(ctx, r.volume.volumeTypeId)
      return {
        status: 202,
        body: {
          'os-volume_upload_image': {
            id: r.volume.id,
            updated_at: microTime(r.volume.updatedAt),
            status: r.volume.status,
            display_description: r.volume.description,
            size: r.volume.size,
            volume_type: type
              ? {
                  id: type.id,
                  name: type.name,
                  description: type.description,
                  is_public: type.isPublic,
                  extra_specs: type.extraSpecs,
                }
              : null,
            image_id: r.imageId,
            container_format: r.containerFormat,
            disk_format: r.diskFormat,
            image_name: r.imageName,
            ...(atLeast(input, '3.1') ? { visibility: 'private', protected: false } : {}),
          },
        },
      }
    },
  },
}

export function volumeActionRoutes(ctx: BlockStorageContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v3/:project_id/volumes/:id/action',
      policy: 'volume:action',
      schema: { params: projectParams },
      errors: [400, 404, 409, 413, 500],
      handler: async (input) => {
        const body = input.body
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new BadRequestError('The action body must be an object.')
        const keys = Object.keys(body)
        const key = keys[0]
        const action = key !== undefined && keys.length === 1 ? ACTIONS[key] : undefined
        if (!action || key === undefined)
          throw new BadRequestError(`There is no such action: ${keys.join(', ') || 'none'}`)
        const caller = callerOf(input)
        input.authorizeRule(action.rule, { project_id: caller.projectId })
        const id = input.params['id'] ?? ''
        const args = objectArg((body as Record<string, unknown>)[key], key)
        return action.run(ctx, input, { caller, id, body: args })
      },
    },
  ]
}
