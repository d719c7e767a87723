/** @module block-storage/api/volumes-routes: /v3/{project_id}/volumes and their metadata */
import type { Route, RouteInput } from '../../core/http/index.js'
import { attachmentsOf, encryptedTypes, typeNames, type Volume } from '../service/records.js'
import type { BlockStorageContext } from '../service/context.js'
import { visibleVolume } from '../service/volume-access.js'
import {
  createVolume,
  deleteVolume,
  deleteVolumeMetadataKey,
  setVolumeMetadata,
  updateVolumeInfo,
} from '../service/volumes.js'
import { listVisibleVolumes, VOLUME_SORT_KEYS } from '../service/volume-list.js'
import { MetadataKeyNotFoundError, VolumeNotFoundError } from '../errors.js'
import { BadRequestError } from '../../core/errors/index.js'
import { filter, pageRequest, tenancy } from './list-query.js'
import {
  atLeast,
  boolValue,
  callerOf,
  keyParams,
  member,
  optString,
  projectParams,
  queryOne,
} from './route-kit.js'
import { nextLinks, volumeDetailView, volumeSummaryView, volumeView } from './views.js'

const P = '/v3/:project_id'

async function detail(ctx: BlockStorageContext, input: RouteInput, v: Volume, isAdmin: boolean) {
  const names = await typeNames(ctx)
  return volumeDetailView(input, v, {
    typeName: names.get(v.volumeTypeId) ?? null,
    encrypted: (await encryptedTypes(ctx)).has(v.volumeTypeId),
    attachments: await attachmentsOf(ctx, v.id),
    isAdmin,
  })
}

async function brief(ctx: BlockStorageContext, input: RouteInput, v: Volume) {
  const names = await typeNames(ctx)
  return volumeView(input, v, {
    typeName: names.get(v.volumeTypeId) ?? null,
    encrypted: (await encryptedTypes(ctx)).has(v.volumeTypeId),
    attachments: await attachmentsOf(ctx, v.id),
  })
}

function metadataBody(input: RouteInput, key: 'metadata' | 'meta'): Record<string, unknown> {
  const body = input.body as Record<string, unknown> | null | undefined
  const value = body?.[key]
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError(`Malformed request body: '${key}' must be an object.`)
  return value as Record<string, unknown>
}

export function volumeRoutes(ctx: BlockStorageContext): Route[] {
  const list = (detailed: boolean): Route => ({
    method: 'GET',
    path: `${P}/volumes${detailed ? '/detail' : ''}`,
    policy: 'volume:get_all',
    schema: { params: projectParams },
    errors: [400, 404],
    handler: async (input) => {
      input.authorize()
      const caller = callerOf(input)
      // `/volumes/` (an empty id) is not the list, as in Cinder: the router ignores the slash.
      if ((input.raw.url.split('?')[0] ?? '').endsWith('/')) throw new VolumeNotFoundError('')
      const page = await listVisibleVolumes(ctx, caller, {
        ...tenancy(input),
        ...optional('name', filter(input, 'name', 'display_name')),
        ...optional('status', filter(input, 'status')),
        ...optional('metadata', filter(input, 'metadata')),
        ...optional('availabilityZone', filter(input, 'availability_zone')),
        ...optional('bootable', filter(input, 'bootable')),
        page: pageRequest(input, VOLUME_SORT_KEYS),
      })
      const names = await typeNames(ctx)
      const encrypted = detailed ? await encryptedTypes(ctx) : new Set<string>()
      const volumes = []
      for (const v of page.items) {
        volumes.push(
          detailed
            ? volumeDetailView(input, v, {
                typeName: names.get(v.volumeTypeId) ?? null,
                encrypted: encrypted.has(v.volumeTypeId),
                attachments: await attachmentsOf(ctx, v.id),
                isAdmin: caller.isAdmin,
              })
            : volumeSummaryView(input, v),
        )
      }
      const withCount =
        atLeast(input, '3.45') && boolValue(queryOne(input, 'with_count') ?? 'false', 'with_count')
      return {
        status: 200,
        body: {
          volumes,
          ...nextLinks(
            input,
            detailed ? 'volumes/detail' : 'volumes',
            page.items.at(-1),
            page.more,
          ),
          ...(withCount ? { count: page.count } : {}),
        },
      }
    },
  })
  return [
    list(false),
    list(true),
    {
      method: 'GET',
      path: `${P}/volumes/summary`,
      policy: 'volume:get_all',
      microversion: { min: '3.12' },
      schema: { params: projectParams },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const all = await listVisibleVolumes(ctx, caller, { ...tenancy(input), page: { sort: [] } })
        const metadata: Record<string, string[]> = {}
        for (const v of all.items)
          for (const [k, val] of Object.entries(v.metadata))
            metadata[k] = [...new Set([...(metadata[k] ?? []), val])]
        return {
          status: 200,
          body: {
            'volume-summary': {
              total_size: all.items.reduce((s, v) => s + v.size, 0),
              total_count: all.items.length,
              ...(atLeast(input, '3.36') ? { metadata } : {}),
            },
          },
        }
      },
    },
    {
      method: 'POST',
      path: `${P}/volumes`,
      policy: 'volume:create',
      schema: { params: projectParams },
      errors: [400, 404, 413],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const body = member(input, 'volume')
        const v = await createVolume(ctx, caller, {
          size: body['size'],
          ...optional('name', optString(body, 'name') ?? optString(body, 'display_name')),
          ...optional(
            'description',
            optString(body, 'description') ?? optString(body, 'display_description'),
          ),
          ...(body['metadata'] !== undefined ? { metadata: body['metadata'] } : {}),
          ...optional('volumeType', optString(body, 'volume_type')),
          ...optional('availabilityZone', optString(body, 'availability_zone')),
          ...optional('snapshotId', optString(body, 'snapshot_id')),
          ...optional('sourceVolid', optString(body, 'source_volid')),
          ...optional('imageRef', optString(body, 'imageRef') ?? optString(body, 'image_id')),
          ...optional('groupId', atLeast(input, '3.13') ? optString(body, 'group_id') : undefined),
          ...(body['multiattach'] !== undefined
            ? { multiattach: boolValue(body['multiattach'], 'multiattach') }
            : {}),
        })
        return { status: 202, body: { volume: await brief(ctx, input, v) } }
      },
    },
    {
      method: 'GET',
      path: `${P}/volumes/:id`,
      policy: 'volume:get',
      schema: { params: projectParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const v = await visibleVolume(ctx, caller, input.params['id'] ?? '')
        return { status: 200, body: { volume: await detail(ctx, input, v, caller.isAdmin) } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/volumes/:id`,
      policy: 'volume:update',
      schema: { params: projectParams },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const body = member(input, 'volume')
        const name = optString(body, 'name') ?? optString(body, 'display_name')
        const description = optString(body, 'description') ?? optString(body, 'display_description')
        const v = await updateVolumeInfo(ctx, caller, input.params['id'] ?? '', {
          ...('name' in body || 'display_name' in body ? { name: name ?? null } : {}),
          ...('description' in body || 'display_description' in body
            ? { description: description ?? null }
            : {}),
          ...(body['metadata'] !== undefined ? { metadata: body['metadata'] } : {}),
        })
        return { status: 200, body: { volume: await brief(ctx, input, v) } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/volumes/:id`,
      policy: 'volume:delete',
      schema: { params: projectParams },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const cascade = boolValue(queryOne(input, 'cascade') ?? 'false', 'cascade')
        const force = boolValue(queryOne(input, 'force') ?? 'false', 'force')
        if (force) input.authorizeRule('volume:force_delete')
        await deleteVolume(ctx, caller, input.params['id'] ?? '', { cascade, force })
        return { status: 202 }
      },
    },
    ...metadataRoutes(ctx),
  ]
}

function metadataRoutes(ctx: BlockStorageContext): Route[] {
  const path = `${P}/volumes/:id/metadata`
  const params = keyParams
  return [
    {
      method: 'GET',
      path,
      policy: 'volume:get_volume_metadata',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const v = await visibleVolume(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: { metadata: v.metadata } }
      },
    },
    ...(['POST', 'PUT'] as const).map((method): Route => ({
      method,
      path,
      policy: 'volume:update_volume_metadata',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const metadata = await setVolumeMetadata(
          ctx,
          callerOf(input),
          input.params['id'] ?? '',
          metadataBody(input, 'metadata'),
          method === 'PUT',
        )
        return { status: 200, body: { metadata } }
      },
    })),
    {
      method: 'GET',
      path: `${path}/:key`,
      policy: 'volume:get_volume_metadata',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const id = input.params['id'] ?? ''
        const key = input.params['key'] ?? ''
        const v = await visibleVolume(ctx, callerOf(input), id)
        const value = v.metadata[key]
        if (value === undefined) throw new MetadataKeyNotFoundError('Volume', id, key)
        return { status: 200, body: { meta: { [key]: value } } }
      },
    },
    {
      method: 'PUT',
      path: `${path}/:key`,
      policy: 'volume:update_volume_metadata',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const meta = metadataBody(input, 'meta')
        if (Object.keys(meta).length !== 1 || !(key in meta))
          throw new BadRequestError('Request body and URI mismatch')
        await setVolumeMetadata(ctx, callerOf(input), input.params['id'] ?? '', meta, false)
        return { status: 200, body: { meta } }
      },
    },
    {
      method: 'DELETE',
      path: `${path}/:key`,
      policy: 'volume:delete_volume_metadata',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await deleteVolumeMetadataKey(
          ctx,
          callerOf(input),
          input.params['id'] ?? '',
          input.params['key'] ?? '',
        )
        return { status: 200 }
      },
    },
  ]
}

/** `{ [key]: value }` when the value is defined, else nothing. */
export function optional<K extends string, V>(
  key: K,
  value: V | undefined,
): { [P in K]?: Exclude<V, undefined> } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: Exclude<V, undefined> }
}
