/** @module compute/api/hypervisors-routes: os-hypervisors, from placement usage and the hosts' services */
import { NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { hypervisors } from '../service/server-info.js'
import { rule } from './policy.js'
import { atLeast, queryOne } from './route-kit.js'

type Hypervisor = Awaited<ReturnType<typeof hypervisors>>[number]

/** Fake hosts' sizes as placement knows them (total) and what is used. */
function resources(h: Hypervisor) {
  return {
    vcpus: h.totals['VCPU'] ?? 0,
    memory_mb: h.totals['MEMORY_MB'] ?? 0,
    local_gb: h.totals['DISK_GB'] ?? 0,
    vcpus_used: h.usage['VCPU'] ?? 0,
    memory_mb_used: h.usage['MEMORY_MB'] ?? 0,
    local_gb_used: h.usage['DISK_GB'] ?? 0,
    free_ram_mb: (h.totals['MEMORY_MB'] ?? 0) - (h.usage['MEMORY_MB'] ?? 0),
    free_disk_gb: (h.totals['DISK_GB'] ?? 0) - (h.usage['DISK_GB'] ?? 0),
    current_workload: 0,
    running_vms: h.servers.length,
    disk_available_least: (h.totals['DISK_GB'] ?? 0) - (h.usage['DISK_GB'] ?? 0),
  }
}

function view(input: RouteInput, h: Hypervisor, detail: boolean, servers = false) {
  return {
    id: atLeast(input, '2.53') ? h.id : h.index,
    hypervisor_hostname: h.host,
    state: h.state,
    status: h.status,
    ...(detail
      ? {
          host_ip: '127.0.0.1',
          hypervisor_type: 'fake',
          hypervisor_version: 1000,
          service: { id: h.service.id, host: h.host, disabled_reason: h.service.disabledReason },
          ...(atLeast(input, '2.28') ? { cpu_info: {} } : { cpu_info: '{}' }),
          ...(atLeast(input, '2.88') ? {} : resources(h)),
          ...(atLeast(input, '2.88') ? { uptime: null } : {}),
        }
      : {}),
    ...(servers ? { servers: h.servers } : {}),
  }
}

async function find(ctx: ComputeContext, input: RouteInput, id: string): Promise<Hypervisor> {
  const all = await hypervisors(ctx)
  const found = all.find((h) => h.id === id || String(h.index) === id)
  if (!found) throw new NotFoundError(`Hypervisor with ID ${id} could not be found.`)
  return found
}

export function hypervisorRoutes(ctx: ComputeContext): Route[] {
  const get = (path: string, name: string, handler: Route['handler']): Route => ({
    method: 'GET',
    path: `/v2.1/os-hypervisors${path}`,
    policy: rule(name),
    errors: [404],
    handler: async (input) => {
      input.authorize()
      return handler(input)
    },
  })
  const withServers = (input: RouteInput) =>
    atLeast(input, '2.53') && queryOne(input, 'with_servers') === 'true'
  return [
    get('', 'os-hypervisors:list', async (input) => {
      const list = await hypervisors(ctx)
      return {
        status: 200,
        body: { hypervisors: list.map((h) => view(input, h, false, withServers(input))) },
      }
    }),
    get('/detail', 'os-hypervisors:list-detail', async (input) => {
      const list = await hypervisors(ctx)
      return {
        status: 200,
        body: { hypervisors: list.map((h) => view(input, h, true, withServers(input))) },
      }
    }),
    get('/statistics', 'os-hypervisors:statistics', async () => {
      const list = await hypervisors(ctx)
      const sum: Record<string, number> = {}
      for (const h of list) {
        for (const [k, v] of Object.entries(resources(h))) sum[k] = (sum[k] ?? 0) + v
      }
      return { status: 200, body: { hypervisor_statistics: { count: list.length, ...sum } } }
    }),
    get('/:id', 'os-hypervisors:show', async (input) => {
      const h = await find(ctx, input, input.params['id'] ?? '')
      return { status: 200, body: { hypervisor: view(input, h, true, withServers(input)) } }
    }),
    get('/:id/uptime', 'os-hypervisors:show', async (input) => {
      const h = await find(ctx, input, input.params['id'] ?? '')
      return {
        status: 200,
        body: {
          hypervisor: {
            ...view(input, h, false),
            uptime: ' 00:00:00 up 1 day, load average: 0.00',
          },
        },
      }
    }),
    get('/:name/search', 'os-hypervisors:list', async (input) => {
      const name = input.params['name'] ?? ''
      const list = (await hypervisors(ctx)).filter((h) => h.host.includes(name))
      if (list.length === 0)
        throw new NotFoundError(`No hypervisor matching '${name}' could be found.`)
      return { status: 200, body: { hypervisors: list.map((h) => view(input, h, false)) } }
    }),
    get('/:name/servers', 'os-hypervisors:list', async (input) => {
      const name = input.params['name'] ?? ''
      const list = (await hypervisors(ctx)).filter((h) => h.host.includes(name))
      if (list.length === 0)
        throw new NotFoundError(`No hypervisor matching '${name}' could be found.`)
      return { status: 200, body: { hypervisors: list.map((h) => view(input, h, false, true)) } }
    }),
  ]
}
