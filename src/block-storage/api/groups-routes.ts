/** @module block-storage/api/groups-routes: /v3/{project_id}/groups (3.13+) and group_snapshots (3.14+) */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { BlockStorageContext } from '../service/context.js'
import { visibleGroup, visibleGroupSnapshot } from '../service/group-access.js'
import {
  createGroupSnapshot,
  deleteGroupSnapshot,
  listVisibleGroupSnapshots,
  resetGroupSnapshotStatus,
} from '../service/group-snapshots.js'
import {
  createGroup,
  createGroupFromSource,
  deleteGroup,
  groupVolumes,
  listVisibleGroups,
  resetGroupStatus,
  updateGroupInfo,
  type VolumeGroup,
} from '../service/groups.js'
import { groupSnapshotView, groupSummaryView, groupView } from './group-views.js'
import { filter, tenancy } from './list-query.js'
import {
  atLeast,
  boolValue,
  callerOf,
  member,
  optString,
  projectParams,
  queryOne,
} from './route-kit.js'
import { optional } from './volumes-routes.js'

const G = '/v3/:project_id/groups'
const S = '/v3/:project_id/group_snapshots'
const params = projectParams

function idList(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string')
    throw new BadRequestError(`Invalid input received: ${name} must be a comma-separated string.`)
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

function statusOf(body: Record<string, unknown>): string {
  const arg = body['reset_status']
  const status =
    typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>)['status'] : undefined
  if (typeof status !== 'string' || status === '')
    throw new BadRequestError('Must specify a status to reset to.')
  return status
}

export function groupRoutes(ctx: BlockStorageContext): Route[] {
  const id = (input: RouteInput) => input.params['id'] ?? ''
  const withVolumes = async (input: RouteInput, g: VolumeGroup) =>
    atLeast(input, '3.25') && boolValue(queryOne(input, 'list_volume') ?? 'false', 'list_volume')
      ? (await groupVolumes(ctx, g)).map((v) => v.id)
      : undefined
  const groupList = (detail: boolean): Route => ({
    method: 'GET',
    path: `${G}${detail ? '/detail' : ''}`,
    policy: 'group:get_all',
    schema: { params },
    errors: [400],
    microversion: { min: '3.13' },
    handler: async (input) => {
      input.authorize()
      const groups = await listVisibleGroups(ctx, callerOf(input), tenancy(input))
      const views = []
      for (const g of groups)
        views.push(detail ? groupView(input, g, await withVolumes(input, g)) : groupSummaryView(g))
      return { status: 200, body: { groups: views } }
    },
  })
  const snapshotList = (detail: boolean): Route => ({
    method: 'GET',
    path: `${S}${detail ? '/detail' : ''}`,
    policy: 'group:get_all_group_snapshots',
    schema: { params },
    errors: [400],
    microversion: { min: '3.14' },
    handler: async (input) => {
      input.authorize()
      const items = await listVisibleGroupSnapshots(ctx, callerOf(input), {
        ...optional('allTenants', tenancy(input).allTenants),
        ...optional('groupId', filter(input, 'group_id')),
      })
      return {
        status: 200,
        body: {
          group_snapshots: items.map((s) => (detail ? groupSnapshotView(s) : groupSummaryView(s))),
        },
      }
    },
  })
  return [
    groupList(false),
    groupList(true),
    {
      method: 'POST',
      path: G,
      policy: 'group:create',
      schema: { params },
      errors: [400, 404, 413],
      microversion: { min: '3.13' },
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'group')
        const groupType = optString(body, 'group_type')
        if (!groupType)
          throw new BadRequestError("Invalid input received: 'group_type' is required.")
        const types = body['volume_types']
        if (!Array.isArray(types) || !types.every((t) => typeof t === 'string'))
          throw new BadRequestError(
            "Invalid input received: 'volume_types' must be a list of volume type ids or names.",
          )
        const g = await createGroup(ctx, callerOf(input), {
          groupType,
          volumeTypes: types as string[],
          ...optional('name', optString(body, 'name')),
          ...optional('description', optString(body, 'description')),
          ...optional('availabilityZone', optString(body, 'availability_zone')),
        })
        return { status: 202, body: { group: groupSummaryView(g) } }
      },
    },
    {
      method: 'POST',
      path: `${G}/action`,
      policy: 'group:create',
      schema: { params },
      errors: [400, 404, 413],
      microversion: { min: '3.14' },
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'create-from-src')
        const g = await createGroupFromSource(ctx, callerOf(input), {
          ...optional('sourceGroupId', optString(body, 'source_group_id') ?? undefined),
          ...optional('groupSnapshotId', optString(body, 'group_snapshot_id') ?? undefined),
          ...optional('name', optString(body, 'name')),
          ...optional('description', optString(body, 'description')),
        })
        return { status: 202, body: { group: groupSummaryView(g) } }
      },
    },
    {
      method: 'GET',
      path: `${G}/:id`,
      policy: 'group:get',
      schema: { params },
      errors: [400, 404],
      microversion: { min: '3.13' },
      handler: async (input) => {
        input.authorize()
        const g = await visibleGroup(ctx, callerOf(input), id(input))
        return { status: 200, body: { group: groupView(input, g, await withVolumes(input, g)) } }
      },
    },
    {
      method: 'PUT',
      path: `${G}/:id`,
      policy: 'group:update',
      schema: { params },
      errors: [400, 404],
      microversion: { min: '3.13' },
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'group')
        await updateGroupInfo(ctx, callerOf(input), id(input), {
          ...('name' in body ? { name: optString(body, 'name') ?? null } : {}),
          ...('description' in body ? { description: optString(body, 'description') ?? null } : {}),
          ...optional('addVolumes', idList(body['add_volumes'], 'add_volumes')),
          ...optional('removeVolumes', idList(body['remove_volumes'], 'remove_volumes')),
        })
        return { status: 202 }
      },
    },
    {
      method: 'POST',
      path: `${G}/:id/action`,
      policy: 'group:delete',
      schema: { params },
      errors: [400, 404],
      microversion: { min: '3.13' },
      handler: async (input) => {
        const body = (input.body ?? {}) as Record<string, unknown>
        const caller = callerOf(input)
        if ('delete' in body) {
          input.authorize()
          const arg = (body['delete'] ?? {}) as Record<string, unknown>
          const flag = arg['delete-volumes']
          await deleteGroup(
            ctx,
            caller,
            id(input),
            flag === undefined ? false : boolValue(flag, 'delete-volumes'),
          )
          return { status: 202 }
        }
        if ('reset_status' in body && atLeast(input, '3.20')) {
          input.authorizeRule('group:reset_status')
          await resetGroupStatus(ctx, caller, id(input), statusOf(body))
          return { status: 202 }
        }
        input.authorize()
        throw new BadRequestError(`There is no such action: ${Object.keys(body).join(', ')}`)
      },
    },
    snapshotList(false),
    snapshotList(true),
    {
      method: 'POST',
      path: S,
      policy: 'group:create_group_snapshot',
      schema: { params },
      errors: [400, 404, 413],
      microversion: { min: '3.14' },
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'group_snapshot')
        const groupId = optString(body, 'group_id')
        if (!groupId) throw new BadRequestError("Invalid input received: 'group_id' is required.")
        const s = await createGroupSnapshot(ctx, callerOf(input), {
          groupId,
          ...optional('name', optString(body, 'name')),
          ...optional('description', optString(body, 'description')),
        })
        return {
          status: 202,
          body: { group_snapshot: { id: s.id, name: s.name, group_type_id: s.groupTypeId } },
        }
      },
    },
    {
      method: 'GET',
      path: `${S}/:id`,
      policy: 'group:get_group_snapshot',
      schema: { params },
      errors: [404],
      microversion: { min: '3.14' },
      handler: async (input) => {
        input.authorize()
        const s = await visibleGroupSnapshot(ctx, callerOf(input), id(input))
        return { status: 200, body: { group_snapshot: groupSnapshotView(s) } }
      },
    },
    {
      method: 'DELETE',
      path: `${S}/:id`,
      policy: 'group:delete_group_snapshot',
      schema: { params },
      errors: [400, 404],
      microversion: { min: '3.14' },
      handler: async (input) => {
        input.authorize()
        await deleteGroupSnapshot(ctx, callerOf(input), id(input))
        return { status: 202 }
      },
    },
    {
      method: 'POST',
      path: `${S}/:id/action`,
      policy: 'group:reset_group_snapshot_status',
      schema: { params },
      errors: [400, 404],
      microversion: { min: '3.19' },
      handler: async (input) => {
        input.authorize()
        const body = (input.body ?? {}) as Record<string, unknown>
        if (!('reset_status' in body))
          throw new BadRequestError(`There is no such action: ${Object.keys(body).join(', ')}`)
        await resetGroupSnapshotStatus(ctx, callerOf(input), id(input), statusOf(body))
        return { status: 202 }
      },
    },
  ]
}
