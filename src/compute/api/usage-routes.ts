/** @module compute/api/usage-routes: os-simple-tenant-usage and quota resets */
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { serverStatus } from '../model/instance.js'
import type { ComputeContext } from '../service/context.js'
import { resetQuotas } from '../service/quotas.js'
import { tenantUsages, type TenantUsage } from '../service/usage.js'
import { rule } from './policy.js'
import { microTime, queryOne } from './route-kit.js'

function period(input: RouteInput, now: number) {
  const parse = (key: string, fallback: number) => {
    const v = queryOne(input, key)
    if (v === undefined) return fallback
    const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`)
    if (Number.isNaN(t)) throw new BadRequestError(`Invalid ${key} time ${v}`)
    return t
  }
  const end = parse('end', now)
  const start = parse('start', end - 24 * 3_600_000)
  if (start > end)
    throw new BadRequestError('Invalid start time. The start time cannot occur after the end time.')
  return { start, end }
}

function usageView(u: TenantUsage, p: { start: number; end: number }, detailed: boolean) {
  return {
    tenant_id: u.projectId,
    total_hours: u.totalHours,
    total_vcpus_usage: u.vcpuHours,
    total_memory_mb_usage: u.memoryMbHours,
    total_local_gb_usage: u.localGbHours,
    start: microTime(new Date(p.start).toISOString()),
    stop: microTime(new Date(p.end).toISOString()),
    ...(detailed
      ? {
          server_usages: u.servers.map((s) => ({
            instance_id: s.instance.uuid,
            name: s.instance.name,
            tenant_id: s.instance.projectId,
            flavor: s.instance.flavor.name,
            vcpus: s.instance.flavor.vcpus,
            memory_mb: s.instance.flavor.memoryMb,
            local_gb: s.instance.flavor.rootGb,
            hours: s.hours,
            started_at: microTime(s.startedAt),
            ended_at: s.endedAt ? microTime(s.endedAt) : null,
            state:
              serverStatus(s.instance.vmState, s.instance.taskState).toLowerCase() === 'deleted'
                ? 'terminated'
                : s.instance.vmState,
            uptime: Math.round(s.hours * 3600),
          })),
        }
      : {}),
  }
}

export function usageRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/os-simple-tenant-usage',
      policy: rule('os-simple-tenant-usage:list'),
      errors: [404],
      handler: async (input) => {
        // `os-simple-tenant-usage/` names a project with an empty id, as in Nova: not found
        if (/\/os-simple-tenant-usage\/(\?|$)/.test(input.raw.url)) {
          throw new NotFoundError('The resource could not be found.')
        }
        input.authorize()
        const p = period(input, ctx.clock.now())
        const detailed = queryOne(input, 'detailed') === '1'
        const usages = await tenantUsages(ctx, p)
        return {
          status: 200,
          body: { tenant_usages: usages.map((u) => usageView(u, p, detailed)) },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-simple-tenant-usage/:project',
      policy: rule('os-simple-tenant-usage:show'),
      errors: [],
      handler: async (input) => {
        const projectId = input.params['project'] ?? ''
        input.authorize({ project_id: projectId })
        const p = period(input, ctx.clock.now())
        const [usage] = await tenantUsages(ctx, { ...p, projectId })
        return { status: 200, body: { tenant_usage: usage ? usageView(usage, p, true) : {} } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/os-quota-sets/:project',
      policy: rule('os-quota-sets:delete'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        await resetQuotas(ctx, input.params['project'] ?? '')
        return { status: 202 }
      },
    },
  ]
}
