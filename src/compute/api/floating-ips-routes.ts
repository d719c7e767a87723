/** @module compute/api/floating-ips-routes: the os-floating-ips and os-floating-ip-pools proxies (until 2.35) */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import {
  allocateFloatingIp,
  floatingIpPools,
  getFloatingIp,
  listFloatingIps,
  releaseFloatingIp,
  type ProxiedFloatingIp,
} from '../service/floating-ip-proxy.js'
import { rule } from './policy.js'
import { callerOf, idParams } from './route-kit.js'

const PROXY = { max: '2.35' }

function view(f: ProxiedFloatingIp) {
  return {
    id: f.id,
    ip: f.address,
    fixed_ip: f.fixedAddress,
    instance_id: f.deviceId,
    pool: f.pool,
  }
}

function tokenOf(input: RouteInput): string {
  return input.context.authToken ?? ''
}

export function floatingIpRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/os-floating-ips',
      policy: rule('os-floating-ips:list'),
      microversion: PROXY,
      errors: [],
      handler: async (input) => {
        input.authorize({ project_id: callerOf(input).projectId })
        const list = await listFloatingIps(ctx, callerOf(input), tokenOf(input))
        return { status: 200, body: { floating_ips: list.map(view) } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-floating-ips/:id',
      policy: rule('os-floating-ips:show'),
      microversion: PROXY,
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize({ project_id: callerOf(input).projectId })
        const f = await getFloatingIp(ctx, tokenOf(input), input.params['id'] ?? '')
        return { status: 200, body: { floating_ip: view(f) } }
      },
    },
    {
      method: 'POST',
      path: '/v2.1/os-floating-ips',
      policy: rule('os-floating-ips:create'),
      microversion: PROXY,
      schema: {
        body: {
          type: ['object', 'null'],
          properties: { pool: { type: ['string', 'null'] } },
        },
      },
      errors: [403, 404],
      handler: async (input) => {
        input.authorize({ project_id: callerOf(input).projectId })
        const pool = (input.body as { pool?: string | null } | null)?.pool ?? null
        const f = await allocateFloatingIp(ctx, callerOf(input), tokenOf(input), pool)
        return { status: 200, body: { floating_ip: view(f) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/os-floating-ips/:id',
      policy: rule('os-floating-ips:delete'),
      microversion: PROXY,
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize({ project_id: callerOf(input).projectId })
        await releaseFloatingIp(ctx, tokenOf(input), input.params['id'] ?? '')
        return { status: 202 }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-floating-ip-pools',
      policy: rule('os-floating-ip-pools:list'),
      microversion: PROXY,
      errors: [],
      handler: async (input) => {
        input.authorize({ project_id: callerOf(input).projectId })
        const pools = await floatingIpPools(ctx, tokenOf(input))
        return { status: 200, body: { floating_ip_pools: pools.map((name) => ({ name })) } }
      },
    },
  ]
}
