/** @module block-storage/api/snapshots-routes: /v3/{project_id}/snapshots and their metadata */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { MetadataKeyNotFoundError, VolumeNotFoundError } from '../errors.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  createSnapshot,
  deleteSnapshot,
  deleteSnapshotMetadataKey,
  listVisibleSnapshots,
  resetSnapshotStatus,
  updateSnapshotStatus,
  setSnapshotMetadata,
  SNAPSHOT_SORT_KEYS,
  updateSnapshotInfo,
} from '../service/snapshots.js'
import { visibleSnapshot } from '../service/volume-access.js'
import { filter, pageRequest, tenancy } from './list-query.js'
import {
  atLeast,
  boolValue,
  callerOf,
  keyParams,
  member,
  optString,
  queryOne,
} from './route-kit.js'
import { nextLinks, snapshotView } from './views.js'
import { optional } from './volumes-routes.js'

const P = '/v3/:project_id/snapshots'
const params = keyParams

function metadataBody(input: RouteInput, key: 'metadata' | 'meta'): Record<string, unknown> {
  const value = (input.body as Record<string, unknown> | null | undefined)?.[key]
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError(`Malformed request body: '${key}' must be an object.`)
  return value as Record<string, unknown>
}

export function snapshotRoutes(ctx: BlockStorageContext): Route[] {
  const list = (detail: boolean): Route => ({
    method: 'GET',
    path: `${P}${detail ? '/detail' : ''}`,
    policy: 'volume:get_all_snapshots',
    schema: { params },
    errors: [400, 404],
    handler: async (input) => {
      input.authorize()
      const r = await listVisibleSnapshots(ctx, callerOf(input), {
        ...tenancy(input),
        ...optional('name', filter(input, 'name', 'display_name')),
        ...optional('status', filter(input, 'status')),
        ...optional('volumeId', filter(input, 'volume_id')),
        ...optional('metadata', atLeast(input, '3.22') ? filter(input, 'metadata') : undefined),
        page: pageRequest(input, SNAPSHOT_SORT_KEYS),
      })
      const withCount =
        atLeast(input, '3.45') && boolValue(queryOne(input, 'with_count') ?? 'false', 'with_count')
      return {
        status: 200,
        body: {
          snapshots: r.items.map((s) => snapshotView(input, s, detail)),
          ...nextLinks(input, detail ? 'snapshots/detail' : 'snapshots', r.items.at(-1), r.more),
          ...(withCount ? { count: r.count } : {}),
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
      policy: 'volume:create_snapshot',
      schema: { params },
      errors: [400, 404, 413],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'snapshot')
        const volumeId = optString(body, 'volume_id')
        // Cinder answers a snapshot of no volume as one of a volume that does not exist.
        if (!volumeId) throw new VolumeNotFoundError(String(body['volume_id'] ?? 'None'))
        const s = await createSnapshot(ctx, callerOf(input), {
          volumeId,
          inUseAllowed: atLeast(input, '3.66'),
          ...optional('name', optString(body, 'name') ?? optString(body, 'display_name')),
          ...optional(
            'description',
            optString(body, 'description') ?? optString(body, 'display_description'),
          ),
          ...(body['force'] !== undefined ? { force: boolValue(body['force'], 'force') } : {}),
          ...(body['metadata'] !== undefined ? { metadata: body['metadata'] } : {}),
        })
        return { status: 202, body: { snapshot: snapshotView(input, s, false) } }
      },
    },
    {
      method: 'GET',
      path: `${P}/:id`,
      policy: 'volume:get_snapshot',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const s = await visibleSnapshot(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: { snapshot: snapshotView(input, s, true) } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id`,
      policy: 'volume:update_snapshot',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'snapshot')
        const name = optString(body, 'name') ?? optString(body, 'display_name')
        const description = optString(body, 'description') ?? optString(body, 'display_description')
        if (!(
          'name' in body ||
          'display_name' in body ||
          'description' in body ||
          'display_description' in body
        ))
          throw new BadRequestError(
            'Invalid input received: the snapshot update needs name or description.',
          )
        const s = await updateSnapshotInfo(ctx, callerOf(input), input.params['id'] ?? '', {
          ...('name' in body || 'display_name' in body ? { name: name ?? null } : {}),
          ...('description' in body || 'display_description' in body
            ? { description: description ?? null }
            : {}),
        })
        return { status: 200, body: { snapshot: snapshotView(input, s, false) } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id`,
      policy: 'volume:delete_snapshot',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        await deleteSnapshot(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 202 }
      },
    },
    {
      method: 'POST',
      path: `${P}/:id/action`,
      policy: 'volume:snapshot_action',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        const body = (input.body ?? {}) as Record<string, unknown>
        const caller = callerOf(input)
        const id = input.params['id'] ?? ''
        if ('os-reset_status' in body) {
          input.authorizeRule('volume_extension:snapshot_admin_actions:reset_status')
          const status = optString(
            (body['os-reset_status'] ?? {}) as Record<string, unknown>,
            'status',
          )
          if (!status) throw new BadRequestError('Must specify a status to reset to.')
          await resetSnapshotStatus(ctx, caller, id, status)
          return { status: 202 }
        }
        if ('os-update_snapshot_status' in body) {
          // What Nova reports during an assisted snapshot of an attached volume.
          input.authorizeRule('volume:update_snapshot_status')
          const arg = (body['os-update_snapshot_status'] ?? {}) as Record<string, unknown>
          const status = optString(arg, 'status')
          if (!status) throw new BadRequestError("'status' must be specified.")
          await updateSnapshotStatus(ctx, caller, id, {
            status,
            ...optional('progress', optString(arg, 'progress') ?? undefined),
          })
          return { status: 202 }
        }
        if ('os-force_delete' in body) {
          input.authorizeRule('volume_extension:snapshot_admin_actions:force_delete')
          await deleteSnapshot(ctx, caller, id, true)
          return { status: 202 }
        }
        input.authorize()
        throw new BadRequestError(`There is no such action: ${Object.keys(body).join(', ')}`)
      },
    },
    {
      method: 'GET',
      path: `${P}/:id/metadata`,
      policy: 'volume:get_snapshot_metadata',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const s = await visibleSnapshot(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: { metadata: s.metadata } }
      },
    },
    ...(['POST', 'PUT'] as const).map((method): Route => ({
      method,
      path: `${P}/:id/metadata`,
      policy: 'volume:update_snapshot_metadata',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const metadata = await setSnapshotMetadata(
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
      path: `${P}/:id/metadata/:key`,
      policy: 'volume:get_snapshot_metadata',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const id = input.params['id'] ?? ''
        const key = input.params['key'] ?? ''
        const s = await visibleSnapshot(ctx, callerOf(input), id)
        const value = s.metadata[key]
        if (value === undefined) throw new MetadataKeyNotFoundError('Snapshot', id, key)
        return { status: 200, body: { meta: { [key]: value } } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:id/metadata/:key`,
      policy: 'volume:update_snapshot_metadata',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const meta = metadataBody(input, 'meta')
        if (Object.keys(meta).length !== 1 || !(key in meta))
          throw new BadRequestError('Request body and URI mismatch')
        await setSnapshotMetadata(ctx, callerOf(input), input.params['id'] ?? '', meta, false)
        return { status: 200, body: { meta } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:id/metadata/:key`,
      policy: 'volume:delete_snapshot_metadata',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await deleteSnapshotMetadataKey(
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
