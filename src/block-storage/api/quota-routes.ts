/** @module block-storage/api/quota-routes: os-quota-sets and limits */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  classQuotas,
  defaultQuotas,
  updateClassQuotas,
  projectQuotas,
  quotaUsage,
  resetQuotas,
  updateQuotas,
} from '../service/quotas.js'
import { boolValue, callerOf, member, projectParams, queryOne } from './route-kit.js'

const P = '/v3/:project_id'
const params = {
  type: 'object',
  properties: { ...projectParams.properties, target: { type: 'string', maxLength: 255 } },
}

function quotaSetView(values: Record<string, unknown>, id?: string) {
  return { quota_set: { ...(id !== undefined ? { id } : {}), ...values } }
}

export function quotaRoutes(ctx: BlockStorageContext): Route[] {
  const target = (input: RouteInput) => input.params['target'] ?? ''
  return [
    {
      method: 'GET',
      path: `${P}/os-quota-class-sets/:target`,
      policy: 'volume_extension:quota_classes',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const values = await classQuotas(ctx, target(input))
        return { status: 200, body: { quota_class_set: { id: target(input), ...values } } }
      },
    },
    {
      method: 'PUT',
      path: `${P}/os-quota-class-sets/:target`,
      policy: 'volume_extension:quota_classes:update',
      schema: { params },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'quota_class_set')
        const values = Object.fromEntries(
          Object.entries(body).filter(([k]) => k !== 'id' && k !== 'class_name'),
        )
        return {
          status: 200,
          body: { quota_class_set: await updateClassQuotas(ctx, target(input), values) },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/os-quota-sets/:target`,
      policy: 'volume_extension:quotas:show',
      schema: { params },
      errors: [400, 403],
      handler: async (input) => {
        const caller = callerOf(input)
        input.authorize({ project_id: target(input) })
        if (!caller.isAdmin && target(input) !== caller.projectId) input.authorizeRule('admin_api')
        const usage = boolValue(queryOne(input, 'usage') ?? 'false', 'usage')
        if (!usage)
          return {
            status: 200,
            body: quotaSetView(await projectQuotas(ctx, target(input)), target(input)),
          }
        const detail = await quotaUsage(ctx, target(input))
        const values = Object.fromEntries(
          Object.entries(detail).map(([k, u]) => [
            k,
            { limit: u.limit, in_use: u.inUse, reserved: u.reserved, allocated: u.allocated },
          ]),
        )
        return { status: 200, body: quotaSetView(values, target(input)) }
      },
    },
    {
      method: 'GET',
      path: `${P}/os-quota-sets/:target/defaults`,
      policy: 'volume_extension:quotas:show',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize({ project_id: target(input) })
        return { status: 200, body: quotaSetView(await defaultQuotas(ctx), target(input)) }
      },
    },
    {
      method: 'PUT',
      path: `${P}/os-quota-sets/:target`,
      policy: 'volume_extension:quotas:update',
      schema: { params },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const body = member(input, 'quota_set')
        const values = Object.fromEntries(
          Object.entries(body).filter(([k]) => k !== 'id' && k !== 'tenant_id'),
        )
        return { status: 200, body: quotaSetView(await updateQuotas(ctx, target(input), values)) }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/os-quota-sets/:target`,
      policy: 'volume_extension:quotas:delete',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        await resetQuotas(ctx, target(input))
        return { status: 200 }
      },
    },
    {
      method: 'GET',
      path: `${P}/limits`,
      policy: 'limits_extension:used_limits',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const project = (caller.isAdmin && queryOne(input, 'project_id')) || caller.projectId
        const u = await quotaUsage(ctx, project)
        const limit = (k: string) => u[k]?.limit ?? -1
        const used = (k: string) => u[k]?.inUse ?? 0
        return {
          status: 200,
          body: {
            limits: {
              rate: [],
              absolute: {
                maxTotalVolumes: limit('volumes'),
                maxTotalSnapshots: limit('snapshots'),
                maxTotalVolumeGigabytes: limit('gigabytes'),
                maxTotalBackups: limit('backups'),
                maxTotalBackupGigabytes: limit('backup_gigabytes'),
                totalVolumesUsed: used('volumes'),
                totalSnapshotsUsed: used('snapshots'),
                totalGigabytesUsed: used('gigabytes'),
                totalBackupsUsed: 0,
                totalBackupGigabytesUsed: 0,
              },
            },
          },
        }
      },
    },
  ]
}
