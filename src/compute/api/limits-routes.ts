/** @module compute/api/limits-routes: limits, quota sets and availability zones */
import type { Route } from '../../core/http/index.js'
import { COMPUTE_QUOTAS, type ComputeQuota } from '../config.js'
import type { ComputeContext } from '../service/context.js'
import { hostZones, knownZones } from '../service/aggregates.js'
import { computeServices } from '../service/server-info.js'
import { defaultLimits, projectLimits, projectUsage, updateQuotas } from '../service/quotas.js'
import { rule } from './policy.js'
import { atLeast, callerOf, member } from './route-kit.js'

/** Nova's proxy-era quota keys (removed from views in 2.36), always unlimited-looking. */
export const LEGACY_QUOTAS = {
  floating_ips: 10,
  fixed_ips: -1,
  security_groups: 10,
  security_group_rules: 20,
}
/** The injected-file limits (removed from views in 2.57). */
export const FILE_QUOTAS = {
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
}

function quotaSet(
  input: Parameters<Route['handler']>[0],
  id: string,
  limits: Record<ComputeQuota, number>,
) {
  return {
    id,
    ...limits,
    ...(atLeast(input, '2.36') ? {} : LEGACY_QUOTAS),
    ...(atLeast(input, '2.57') ? {} : FILE_QUOTAS),
  }
}

const quotaBody = {
  type: 'object',
  required: ['quota_set'],
  properties: {
    quota_set: {
      type: 'object',
      properties: Object.fromEntries(
        [
          ...COMPUTE_QUOTAS,
          'force',
          ...Object.keys(LEGACY_QUOTAS),
          ...Object.keys(FILE_QUOTAS),
        ].map((k) => [
          k,
          k === 'force'
            ? { type: ['boolean', 'string'] }
            : { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1 },
        ]),
      ),
      additionalProperties: false,
    },
  },
}

export function limitRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/limits',
      policy: rule('limits'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const limits = await projectLimits(ctx, caller.projectId)
        const used = await projectUsage(ctx, caller.projectId, caller.userId)
        return {
          status: 200,
          body: {
            limits: {
              rate: [],
              absolute: {
                maxTotalInstances: limits.instances,
                maxTotalCores: limits.cores,
                maxTotalRAMSize: limits.ram,
                maxTotalKeypairs: limits.key_pairs,
                maxServerMeta: limits.metadata_items,
                maxServerGroups: limits.server_groups,
                maxServerGroupMembers: limits.server_group_members,
                totalInstancesUsed: used.instances,
                totalCoresUsed: used.cores,
                totalRAMUsed: used.ram,
                totalServerGroupsUsed: used.server_groups,
                ...(atLeast(input, '2.36')
                  ? {}
                  : {
                      maxTotalFloatingIps: 10,
                      maxSecurityGroups: 10,
                      maxSecurityGroupRules: 20,
                      totalFloatingIpsUsed: 0,
                      totalSecurityGroupsUsed: 0,
                    }),
                ...(atLeast(input, '2.57')
                  ? {}
                  : { maxPersonality: 5, maxPersonalitySize: 10240, maxImageMeta: 128 }),
              },
            },
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-quota-sets/:project/defaults',
      policy: rule('os-quota-sets:defaults'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        return {
          status: 200,
          body: {
            quota_set: quotaSet(input, input.params['project'] ?? '', await defaultLimits(ctx)),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-quota-sets/:project',
      policy: rule('os-quota-sets:show'),
      errors: [],
      handler: async (input) => {
        const project = input.params['project'] ?? ''
        input.authorize({ project_id: project })
        return {
          status: 200,
          body: { quota_set: quotaSet(input, project, await projectLimits(ctx, project)) },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-quota-sets/:project/detail',
      policy: rule('os-quota-sets:detail'),
      errors: [],
      handler: async (input) => {
        const project = input.params['project'] ?? ''
        input.authorize({ project_id: project })
        const limits = await projectLimits(ctx, project)
        const used = await projectUsage(ctx, project, callerOf(input).userId)
        const detail: Record<string, unknown> = Object.fromEntries(
          COMPUTE_QUOTAS.map((q) => [q, { limit: limits[q], in_use: used[q], reserved: 0 }]),
        )
        const { id: _id, ...legacy } = quotaSet(input, project, limits)
        for (const [k, v] of Object.entries(legacy)) {
          detail[k] ??= { limit: v, in_use: 0, reserved: 0 }
        }
        return { status: 200, body: { quota_set: { id: project, ...detail } } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/os-quota-sets/:project',
      policy: rule('os-quota-sets:update'),
      schema: { body: quotaBody },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const project = input.params['project'] ?? ''
        const given = member(input, 'quota_set')
        const values: Partial<Record<ComputeQuota, number>> = {}
        for (const q of COMPUTE_QUOTAS) if (given[q] !== undefined) values[q] = Number(given[q])
        await updateQuotas(ctx, project, values)
        const { id: _id, ...rest } = quotaSet(input, project, await projectLimits(ctx, project))
        return { status: 200, body: { quota_set: rest } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-availability-zone',
      policy: rule('os-availability-zone:list'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        const services = (await computeServices(ctx)).filter((s) => s.binary === 'nova-compute')
        const zones = await hostZones(ctx.db)
        const names = [...(await knownZones(ctx.db))]
        const info = names.map((zoneName) => ({
          zoneName,
          zoneState: {
            available: services.some(
              (s) => s.up && !s.disabled && (zones.get(s.host) ?? 'nova') === zoneName,
            ),
          },
          hosts: null,
        }))
        return { status: 200, body: { availabilityZoneInfo: info } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-availability-zone/detail',
      policy: rule('os-availability-zone:detail'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        const services = await computeServices(ctx)
        const entry = (s: (typeof services)[number]) => ({
          [s.binary]: {
            available: s.up && !s.disabled,
            active: !s.disabled,
            updated_at: s.updatedAt,
          },
        })
        const computes = services.filter((s) => s.binary === 'nova-compute')
        const internal = services.filter((s) => s.binary !== 'nova-compute')
        return {
          status: 200,
          body: {
            availabilityZoneInfo: [
              {
                zoneName: 'nova',
                zoneState: { available: computes.some((s) => s.up) },
                hosts: Object.fromEntries(computes.map((s) => [s.host, entry(s)])),
              },
              {
                zoneName: 'internal',
                zoneState: { available: true },
                hosts: Object.fromEntries(internal.map((s) => [s.host, entry(s)])),
              },
            ],
          },
        }
      },
    },
  ]
}
