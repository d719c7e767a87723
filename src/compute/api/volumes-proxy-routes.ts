/** @module compute/api/volumes-proxy-routes: /os-volumes and /os-snapshots (proxies to block storage, gone at 2.36) and /os-volumes_boot */
import type { SnapshotInfo, VolumeInfo } from '../../clients/volume-client.js'
import { NotFoundError } from '../../core/errors/index.js'
import type { JsonSchema, Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import type { VolumeCaller } from '../service/server-volumes.js'
import {
  proxyCreateSnapshot,
  proxyCreateVolume,
  proxyDeleteSnapshot,
  proxyDeleteVolume,
  proxyListSnapshots,
  proxyListVolumes,
  proxyShowSnapshot,
  proxyShowVolume,
} from '../service/volume-proxy.js'
import { rule } from './policy.js'
import { callerOf, member, queryOne } from './route-kit.js'

const PROXY = { max: '2.35' }

const createBody: JsonSchema = {
  type: 'object',
  required: ['volume'],
  properties: {
    volume: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 },
        display_name: { type: 'string', maxLength: 255 },
        display_description: { type: 'string', maxLength: 255 },
        volume_type: { type: 'string', maxLength: 255 },
        snapshot_id: { type: 'string', format: 'uuid' },
        availability_zone: { type: 'string', maxLength: 255 },
        metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 255 } },
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

/** Nova's volume view: camelCase names, `[{}]` as the attachments of a detached volume. */
function volumeView(v: VolumeInfo) {
  const attachments = v.attachments
    .filter((a) => a.serverId !== null)
    .map((a) => ({ id: v.id, volumeId: v.id, serverId: a.serverId, device: a.device }))
  return {
    id: v.id,
    status: v.status,
    size: v.size,
    availabilityZone: v.availabilityZone,
    createdAt: v.createdAt.replace(/Z$/, ''),
    attachments: attachments.length > 0 ? attachments : [{}],
    displayName: v.name,
    displayDescription: v.description,
    volumeType: v.volumeType,
    snapshotId: v.snapshotId,
    metadata: v.metadata,
  }
}

function snapshotView(s: SnapshotInfo) {
  return {
    id: s.id,
    volumeId: s.volumeId,
    status: s.status,
    size: s.size,
    createdAt: s.createdAt.replace(/Z$/, ''),
    displayName: s.name,
    displayDescription: s.description,
  }
}

const snapshotBody: JsonSchema = {
  type: 'object',
  required: ['snapshot'],
  properties: {
    snapshot: {
      type: 'object',
      required: ['volume_id'],
      properties: {
        volume_id: { type: 'string', format: 'uuid' },
        force: { type: ['boolean', 'string'] },
        display_name: { type: 'string', maxLength: 255 },
        display_description: { type: 'string', maxLength: 255 },
      },
    },
  },
}

/** The page `limit` and `offset` ask for. */
function paged<T>(input: RouteInput, all: T[]): T[] {
  const offset = Number(queryOne(input, 'offset') ?? 0)
  const limit = queryOne(input, 'limit')
  return all.slice(offset, limit === undefined ? undefined : offset + Number(limit))
}

/** `GET /os-volumes/` names the empty id, which Nova does not find (the router drops the slash). */
function refuseEmptyId(input: RouteInput): void {
  if ((input.raw.url.split('?')[0] ?? '').endsWith('/')) {
    throw new NotFoundError('The resource could not be found.')
  }
}

function volumeCaller(input: RouteInput): VolumeCaller {
  const caller = callerOf(input)
  input.authorize({ project_id: caller.projectId })
  return { ...caller, token: input.context.authToken ?? '' }
}

/** One proxied collection: how to list, show and delete its members, and their view. */
interface Collection<T> {
  /** `/v2.1/os-volumes`: the list, `/detail` and `/:id` hang below it. */
  path: string
  /** Policy prefix: `<policy>:list`, `:detail`, `:show`, `:delete`. */
  policy: string
  /** The member's key in a show body; lists use it with an `s`. */
  key: string
  list(ctx: ComputeContext, caller: VolumeCaller): Promise<T[]>
  show(ctx: ComputeContext, caller: VolumeCaller, id: string): Promise<T>
  remove(ctx: ComputeContext, caller: VolumeCaller, id: string): Promise<void>
  view(item: T): Record<string, unknown>
}

/** The list, detail, show and delete routes of a proxied collection (Nova's views, until 2.35). */
function collectionRoutes<T>(ctx: ComputeContext, c: Collection<T>): Route[] {
  const list = (path: string, policy: string): Route => ({
    method: 'GET',
    path,
    policy: rule(policy),
    schema: { query: listQuery },
    microversion: PROXY,
    errors: [404],
    handler: async (input) => {
      refuseEmptyId(input)
      const all = await c.list(ctx, volumeCaller(input))
      return { status: 200, body: { [`${c.key}s`]: paged(input, all).map(c.view) } }
    },
  })
  return [
    list(c.path, `${c.policy}:list`),
    list(`${c.path}/detail`, `${c.policy}:detail`),
    {
      method: 'GET',
      path: `${c.path}/:id`,
      policy: rule(`${c.policy}:show`),
      microversion: PROXY,
      errors: [404],
      handler: async (input) => {
        const item = await c.show(ctx, volumeCaller(input), input.params['id'] ?? '')
        return { status: 200, body: { [c.key]: c.view(item) } }
      },
    },
    {
      method: 'DELETE',
      path: `${c.path}/:id`,
      policy: rule(`${c.policy}:delete`),
      microversion: PROXY,
      errors: [400, 404],
      handler: async (input) => {
        await c.remove(ctx, volumeCaller(input), input.params['id'] ?? '')
        return { status: 202 }
      },
    },
  ]
}

export function volumeProxyRoutes(ctx: ComputeContext, serverCreate: Route | undefined): Route[] {
  return [
    ...collectionRoutes(ctx, {
      path: '/v2.1/os-volumes',
      policy: 'os-volumes',
      key: 'volume',
      list: proxyListVolumes,
      show: proxyShowVolume,
      remove: proxyDeleteVolume,
      view: volumeView,
    }),
    {
      method: 'POST',
      path: '/v2.1/os-volumes',
      policy: rule('os-volumes:create'),
      schema: { body: createBody },
      microversion: PROXY,
      errors: [400, 403, 404],
      handler: async (input) => {
        const b = member(input, 'volume')
        const str = (k: string) => (typeof b[k] === 'string' ? b[k] : undefined)
        const name = str('display_name')
        const description = str('display_description')
        const volumeType = str('volume_type')
        const snapshotId = str('snapshot_id')
        const zone = str('availability_zone')
        const v = await proxyCreateVolume(ctx, volumeCaller(input), {
          size: Number(b['size']),
          ...(name !== undefined ? { name } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(volumeType !== undefined ? { volumeType } : {}),
          ...(snapshotId !== undefined ? { snapshotId } : {}),
          ...(zone !== undefined ? { availabilityZone: zone } : {}),
          ...(b['metadata'] ? { metadata: b['metadata'] as Record<string, string> } : {}),
        })
        return { status: 200, body: { volume: volumeView(v) } }
      },
    },
    ...snapshotRoutes(ctx),
    // Nova's older name of the server create, kept by every microversion.
    ...(serverCreate ? [{ ...serverCreate, path: '/v2.1/os-volumes_boot' }] : []),
  ]
}

function snapshotRoutes(ctx: ComputeContext): Route[] {
  return [
    ...collectionRoutes(ctx, {
      path: '/v2.1/os-snapshots',
      policy: 'os-volumes:snapshots',
      key: 'snapshot',
      list: proxyListSnapshots,
      show: proxyShowSnapshot,
      remove: proxyDeleteSnapshot,
      view: snapshotView,
    }),
    {
      method: 'POST',
      path: '/v2.1/os-snapshots',
      policy: rule('os-volumes:snapshots:create'),
      schema: { body: snapshotBody },
      microversion: PROXY,
      errors: [400, 403, 404],
      handler: async (input) => {
        const b = member(input, 'snapshot')
        const str = (k: string) => (typeof b[k] === 'string' ? b[k] : undefined)
        const name = str('display_name')
        const description = str('display_description')
        const s = await proxyCreateSnapshot(ctx, volumeCaller(input), {
          volumeId: String(b['volume_id']),
          force: b['force'] === true || String(b['force']).toLowerCase() === 'true',
          ...(name !== undefined ? { name } : {}),
          ...(description !== undefined ? { description } : {}),
        })
        return { status: 200, body: { snapshot: snapshotView(s) } }
      },
    },
  ]
}
