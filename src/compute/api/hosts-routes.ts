/** @module compute/api/hosts-routes: os-hosts (until 2.42), from the compute services */
import { NotImplementedError } from '../../core/errors/index.js'
import type { Route } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { assertComputeHost, listHosts, setHostEnabled, showHost } from '../service/hosts.js'
import { rule } from './policy.js'
import { queryOne } from './route-kit.js'

const HOSTS = { max: '2.42' }

// Nova's schema: status, maintenance_mode or both
const updateBody = {
  type: 'object',
  minProperties: 1,
  properties: {
    status: { type: 'string', enum: ['enable', 'disable'] },
    maintenance_mode: { type: 'string', enum: ['enable', 'disable'] },
  },
  additionalProperties: false,
}

export function hostRoutes(ctx: ComputeContext): Route[] {
  const power = (action: 'startup' | 'shutdown' | 'reboot'): Route => ({
    method: 'GET',
    path: `/v2.1/os-hosts/:host/${action}`,
    policy: rule(`os-hosts:${action}`),
    microversion: HOSTS,
    errors: [404, 501],
    handler: async (input) => {
      input.authorize()
      await assertComputeHost(ctx, input.params['host'] ?? '')
      throw new NotImplementedError(`Host power action ${action} is not supported by the driver.`)
    },
  })
  return [
    {
      method: 'GET',
      path: '/v2.1/os-hosts',
      policy: rule('os-hosts:list'),
      microversion: HOSTS,
      errors: [],
      handler: async (input) => {
        input.authorize()
        const hosts = await listHosts(ctx, queryOne(input, 'zone'))
        return {
          status: 200,
          body: {
            hosts: hosts.map((h) => ({ host_name: h.hostName, service: h.service, zone: h.zone })),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-hosts/:host',
      policy: rule('os-hosts:show'),
      microversion: HOSTS,
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const resources = await showHost(ctx, input.params['host'] ?? '')
        return {
          status: 200,
          body: {
            host: resources.map((r) => ({
              resource: {
                host: r.host,
                project: r.project,
                cpu: r.cpu,
                memory_mb: r.memoryMb,
                disk_gb: r.diskGb,
              },
            })),
          },
        }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/os-hosts/:host',
      policy: rule('os-hosts:update'),
      microversion: HOSTS,
      schema: { body: updateBody },
      errors: [400, 404, 501],
      handler: async (input) => {
        input.authorize()
        const host = input.params['host'] ?? ''
        const b = (input.body ?? {}) as Record<string, unknown>
        await assertComputeHost(ctx, host)
        if (b['maintenance_mode'] !== undefined) {
          throw new NotImplementedError('Maintenance mode is not supported by the driver.')
        }
        const enabled = b['status'] === 'enable'
        await setHostEnabled(ctx, host, enabled)
        return { status: 200, body: { host, status: enabled ? 'enabled' : 'disabled' } }
      },
    },
    power('startup'),
    power('shutdown'),
    power('reboot'),
  ]
}
