/** @module compute/api/interfaces-routes: POST and DELETE /servers/{id}/os-interface (interface attach and detach) */
import { BadRequestError } from '../../core/errors/index.js'
import type { JsonSchema, Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import {
  attachInterface,
  detachInterface,
  type InterfaceAttachment,
} from '../service/server-interfaces.js'
import { showServer } from '../service/server-list.js'
import { rule } from './policy.js'
import { atLeast, callerOf, member } from './route-kit.js'

const uuid = { type: 'string', format: 'uuid' }
const tag = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,/]*$' }

const attachBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    interfaceAttachment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        net_id: uuid,
        port_id: uuid,
        fixed_ips: {
          type: 'array',
          minItems: 1,
          maxItems: 1,
          items: {
            type: 'object',
            required: ['ip_address'],
            additionalProperties: false,
            properties: {
              ip_address: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
            },
          },
        },
        tag,
      },
    },
  },
}

/** An attachment as Nova shows it; `tag` from 2.70. */
function attachmentView(input: RouteInput, a: InterfaceAttachment) {
  const view: Record<string, unknown> = {
    net_id: a.port.networkId,
    port_id: a.port.id,
    mac_addr: a.port.macAddress,
    port_state: a.port.status,
    fixed_ips: a.port.fixedIps.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
  }
  if (atLeast(input, '2.70')) view['tag'] = a.tag
  return view
}

/** Authorizes `name` on the server's project (404 first when it is not visible). */
async function authorizeOn(ctx: ComputeContext, input: RouteInput, name: string) {
  const caller = callerOf(input)
  const id = input.params['id'] ?? ''
  const { instance } = await showServer(ctx, caller, id)
  input.authorizeRule(rule(name), { project_id: instance.projectId })
  return { caller, id }
}

/** The attach request's fields, with Nova's checks of how they go together. */
function attachRequest(input: RouteInput) {
  const body = member(input, 'interfaceAttachment')
  if (body['tag'] !== undefined && !atLeast(input, '2.49')) {
    throw new BadRequestError(
      `Invalid input for field/attribute interfaceAttachment. Value: ${JSON.stringify(body)}. Additional properties are not allowed ('tag' was unexpected)`,
    )
  }
  const str = (k: string) => (typeof body[k] === 'string' ? body[k] : undefined)
  const networkId = str('net_id')
  const portId = str('port_id')
  const ips = body['fixed_ips'] as { ip_address: string }[] | undefined
  const fixedIp = ips?.[0]?.ip_address
  if (networkId && portId) throw new BadRequestError('Must not input both network_id and port_id')
  if (fixedIp && !networkId) {
    throw new BadRequestError('Must input network_id when request IP address')
  }
  return {
    ...(networkId ? { networkId } : {}),
    ...(portId ? { portId } : {}),
    ...(fixedIp ? { fixedIp } : {}),
    ...(str('tag') ? { tag: str('tag') } : {}),
  }
}

export function interfaceRoutes(ctx: ComputeContext): Route[] {
  const path = '/v2.1/servers/:id/os-interface'
  return [
    {
      method: 'POST',
      path,
      policy: rule('os-attach-interfaces:create'),
      schema: { body: attachBody },
      errors: [400, 404, 409, 500],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-attach-interfaces:create')
        const a = await attachInterface(ctx, caller, id, attachRequest(input))
        return { status: 200, body: { interfaceAttachment: attachmentView(input, a) } }
      },
    },
    {
      method: 'DELETE',
      path: `${path}/:port_id`,
      policy: rule('os-attach-interfaces:delete'),
      errors: [404, 409, 500],
      handler: async (input) => {
        const { caller, id } = await authorizeOn(ctx, input, 'os-attach-interfaces:delete')
        await detachInterface(ctx, caller, id, input.params['port_id'] ?? '')
        return { status: 202 }
      },
    },
  ]
}
