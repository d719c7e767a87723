/** @module compute/api/admin-routes: os-services, os-hypervisors and server groups */
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ServerGroup } from '../model/flavor.js'
import type { ComputeContext } from '../service/context.js'
import { computeServices, setServiceStatus } from '../service/server-info.js'
import {
  createServerGroup,
  deleteServerGroup,
  getServerGroup,
  GROUP_POLICIES,
  listServerGroups,
} from '../service/server-groups.js'
import { rule } from './policy.js'
import { atLeast, callerOf, member, queryOne } from './route-kit.js'

function groupView(input: RouteInput, g: ServerGroup) {
  return {
    id: g.uuid,
    name: g.name,
    members: g.members,
    ...(atLeast(input, '2.64') ? {} : { metadata: {} }),
    ...(atLeast(input, '2.64') ? { policy: g.policy, rules: g.rules } : { policies: [g.policy] }),
    ...(atLeast(input, '2.13') ? { project_id: g.projectId, user_id: g.userId } : {}),
  }
}

export function adminRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/os-services',
      policy: rule('os-services:list'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        const binary = queryOne(input, 'binary')
        const host = queryOne(input, 'host')
        const list = (await computeServices(ctx)).filter(
          (s) => (!binary || s.binary === binary) && (!host || s.host === host),
        )
        return {
          status: 200,
          body: {
            services: list.map((s) => ({
              id: atLeast(input, '2.53') ? s.id : list.indexOf(s) + 1,
              binary: s.binary,
              host: s.host,
              zone: s.binary === 'nova-compute' ? 'nova' : 'internal',
              status: s.disabled ? 'disabled' : 'enabled',
              state: s.up ? 'up' : 'down',
              updated_at: s.updatedAt.replace('Z', '.000000'),
              disabled_reason: s.disabledReason,
              ...(atLeast(input, '2.11') ? { forced_down: s.forcedDown } : {}),
            })),
          },
        }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/os-services/:id',
      policy: rule('os-services:update'),
      microversion: { min: '2.53' },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const b = input.body as { status?: string; disabled_reason?: string; forced_down?: boolean }
        if (b.disabled_reason !== undefined && b.status !== 'disabled') {
          throw new BadRequestError(
            'Specifying a disabled reason is only supported when the status is disabled.',
          )
        }
        const s = await setServiceStatus(ctx, input.params['id'] ?? '', {
          ...(b.status !== undefined ? { disabled: b.status === 'disabled' } : {}),
          ...(b.status === 'enabled' ? { disabledReason: null } : {}),
          ...(b.disabled_reason !== undefined ? { disabledReason: b.disabled_reason } : {}),
          ...(b.forced_down !== undefined ? { forcedDown: b.forced_down } : {}),
        })
        return {
          status: 200,
          body: {
            service: {
              id: s.id,
              binary: s.binary,
              host: s.host,
              zone: 'nova',
              status: s.disabled ? 'disabled' : 'enabled',
              state: s.up ? 'up' : 'down',
              updated_at: s.updatedAt,
              disabled_reason: s.disabledReason,
              forced_down: s.forcedDown,
            },
          },
        }
      },
    },
    ...(['enable', 'disable', 'disable-log-reason'] as const).map((verb): Route => ({
      method: 'PUT',
      path: `/v2.1/os-services/${verb}`,
      policy: rule('os-services:update'),
      microversion: { max: '2.52' },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const b = input.body as { host?: string; binary?: string; disabled_reason?: string }
        const found = (await computeServices(ctx)).find(
          (s) => s.host === b.host && s.binary === b.binary,
        )
        if (!found) throw new NotFoundError(`Service ${b.binary} on host ${b.host} not found.`)
        const reason = verb === 'disable-log-reason' ? (b.disabled_reason ?? null) : null
        await setServiceStatus(ctx, found.id, {
          disabled: verb !== 'enable',
          disabledReason: reason,
        })
        return {
          status: 200,
          body: {
            service: {
              host: found.host,
              binary: found.binary,
              status: verb === 'enable' ? 'enabled' : 'disabled',
              ...(reason ? { disabled_reason: reason } : {}),
            },
          },
        }
      },
    })),
    {
      method: 'GET',
      path: '/v2.1/os-server-groups',
      policy: rule('os-server-groups:index'),
      errors: [],
      handler: async (input) => {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const all = queryOne(input, 'all_projects') !== undefined
        const groups = await listServerGroups(ctx, caller, all)
        return { status: 200, body: { server_groups: groups.map((g) => groupView(input, g)) } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-server-groups/:id',
      policy: rule('os-server-groups:show'),
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const g = await getServerGroup(ctx, caller, input.params['id'] ?? '')
        input.authorize({ project_id: g.projectId })
        return { status: 200, body: { server_group: groupView(input, g) } }
      },
    },
    {
      method: 'POST',
      path: '/v2.1/os-server-groups',
      policy: rule('os-server-groups:create'),
      schema: {
        body: {
          type: 'object',
          required: ['server_group'],
          properties: {
            server_group: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string', minLength: 1, maxLength: 255 },
                policies: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 1,
                  items: { enum: GROUP_POLICIES },
                },
                policy: { enum: GROUP_POLICIES },
                rules: { type: 'object' },
              },
            },
          },
        },
      },
      errors: [403],
      handler: async (input) => {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const b = member(input, 'server_group')
        const policy = (b['policy'] ?? (b['policies'] as string[] | undefined)?.[0]) as
          string | undefined
        if (!policy) throw new BadRequestError("Invalid input: 'policy' is a required property")
        const g = await createServerGroup(ctx, caller, {
          name: String(b['name']),
          policy,
          rules: (b['rules'] as Record<string, unknown> | undefined) ?? {},
        })
        return { status: 200, body: { server_group: groupView(input, g) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/os-server-groups/:id',
      policy: rule('os-server-groups:delete'),
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const g = await getServerGroup(ctx, caller, input.params['id'] ?? '').catch(() => {
          throw new NotFoundError(`Instance group ${input.params['id']} could not be found.`)
        })
        input.authorize({ project_id: g.projectId })
        await deleteServerGroup(ctx, caller, g.uuid)
        return { status: 204 }
      },
    },
  ]
}
