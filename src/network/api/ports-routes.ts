/** @module network/api/ports-routes: /v2.0/ports */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { NetworkContext } from '../service/context.js'
import type { FixedIpRequest } from '../service/ipam.js'
import { getNetwork } from '../service/networks.js'
import {
  createPort,
  deletePort,
  getPort,
  listPorts,
  updatePort,
  type PortInput,
  type PortUpdate,
} from '../service/ports.js'
import type { Port } from '../service/types.js'
import { listBody, pagedBody, pick, queryValues, requestedFields, sqlPage } from './list-query.js'
import {
  bool,
  callerOf,
  idParams,
  ifMatch,
  mapped,
  member,
  ownerFor,
  resourceBody,
  str,
  strList,
  uuidish,
} from './route-kit.js'
import { portView } from './views.js'

const portProps = {
  name: str,
  description: str,
  network_id: uuidish,
  admin_state_up: bool,
  mac_address: str,
  fixed_ips: {
    type: 'array',
    items: { type: 'object', properties: { subnet_id: uuidish, ip_address: str } },
  },
  device_id: str,
  device_owner: str,
  'binding:host_id': str,
  'binding:vnic_type': {
    type: 'string',
    enum: [
      'normal',
      'direct',
      'macvtap',
      'baremetal',
      'direct-physical',
      'virtio-forwarder',
      'smart-nic',
      'remote-managed',
      'vdpa',
    ],
  },
  'binding:profile': { type: ['object', 'null'] },
  security_groups: { type: ['array', 'null'], items: { type: 'string' } },
  port_security_enabled: bool,
  allowed_address_pairs: {
    type: ['array', 'null'],
    items: {
      type: 'object',
      required: ['ip_address'],
      properties: { ip_address: str, mac_address: str },
    },
  },
  extra_dhcp_opts: { type: ['array', 'null'] },
  dns_name: str,
  tags: strList,
  tenant_id: uuidish,
  project_id: uuidish,
}

const PORT_MAP = {
  name: 'name',
  description: 'description',
  admin_state_up: 'adminStateUp',
  mac_address: 'macAddress',
  device_id: 'deviceId',
  device_owner: 'deviceOwner',
  'binding:host_id': 'hostId',
  'binding:vnic_type': 'vnicType',
  'binding:profile': 'profile',
  port_security_enabled: 'portSecurityEnabled',
  allowed_address_pairs: 'allowedAddressPairs',
  extra_dhcp_opts: 'extraDhcpOpts',
  dns_name: 'dnsName',
  tags: 'tags',
} as const

function fixedIps(body: Record<string, unknown>): FixedIpRequest[] | undefined {
  const list = body['fixed_ips'] as { subnet_id?: string; ip_address?: string }[] | undefined
  if (list === undefined) return undefined
  return list.map((f) => ({
    ...(f.subnet_id !== undefined ? { subnetId: f.subnet_id } : {}),
    ...(f.ip_address !== undefined ? { ipAddress: f.ip_address } : {}),
  }))
}

function spec(body: Record<string, unknown>): PortUpdate {
  const out: PortUpdate = mapped<PortUpdate>(body, PORT_MAP)
  const ips = fixedIps(body)
  if (ips) out.fixedIps = ips
  if (body['security_groups'] !== undefined)
    out.securityGroups = (body['security_groups'] as string[] | null) ?? []
  if (body['allowed_address_pairs'] === null) out.allowedAddressPairs = []
  if (body['extra_dhcp_opts'] === null) out.extraDhcpOpts = []
  if (body['binding:profile'] === null) out.profile = {}
  return out
}

function checkAttributes(
  input: RouteInput,
  action: 'create_port' | 'update_port',
  body: Record<string, unknown>,
  target: Record<string, unknown>,
): void {
  if (body['mac_address'] !== undefined) input.authorizeRule(`${action}:mac_address`, target)
  const ips = fixedIps(body)
  if (ips?.some((f) => f.ipAddress !== undefined))
    input.authorizeRule(`${action}:fixed_ips:ip_address`, target)
  for (const key of ['binding:host_id', 'binding:profile']) {
    if (body[key] !== undefined) input.authorizeRule(`${action}:binding`, target)
  }
}

/** Port routes. */
export function portRoutes(ctx: NetworkContext): Route[] {
  const view = (input: RouteInput, p: Port) => portView(p, callerOf(input))
  return [
    {
      method: 'GET',
      path: '/v2.0/ports',
      policy: 'get_port',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const one = (key: string) => {
          const v = queryValues(input.query, key)
          return v?.length === 1 ? v[0] : undefined
        }
        const page = sqlPage(input.query)
        if (page) {
          const rows = await listPorts(ctx, caller, { page })
          return {
            status: 200,
            body: pagedBody(
              input,
              'ports',
              rows.map((p) => portView(p, caller)),
              page,
            ),
          }
        }
        const ids = queryValues(input.query, 'id')
        const networkIds = queryValues(input.query, 'network_id')
        const deviceId = one('device_id')
        const deviceOwner = one('device_owner')
        const macAddress = one('mac_address')
        const ports = await listPorts(ctx, caller, {
          ...(ids ? { ids } : {}),
          ...(networkIds ? { networkIds } : {}),
          ...(deviceId !== undefined ? { deviceId } : {}),
          ...(deviceOwner !== undefined ? { deviceOwner } : {}),
          ...(macAddress !== undefined ? { macAddress } : {}),
        })
        return {
          status: 200,
          body: listBody(
            input,
            'ports',
            ports.map((p) => view(input, p)),
          ),
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/ports/:id',
      policy: 'get_port',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const caller = callerOf(input)
        const port = await getPort(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: port.projectId, 'network:project_id': caller.projectId })
        return {
          status: 200,
          body: { port: pick(view(input, port), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/ports',
      policy: 'create_port',
      schema: {
        body: resourceBody('port', portProps, { plural: 'ports', required: ['network_id'] }),
      },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const body = input.body as Record<string, unknown>
        const bulk = Array.isArray(body['ports'])
        const list = bulk ? (body['ports'] as Record<string, unknown>[]) : [member(input, 'port')]
        const created: Port[] = []
        for (const item of list) {
          const projectId = ownerFor(input, item, caller)
          const network = await getNetwork(ctx, caller, item['network_id'] as string)
          const target = { project_id: projectId, 'network:project_id': network.projectId }
          input.authorize(target)
          checkAttributes(input, 'create_port', item, target)
          const port: PortInput = { ...spec(item), networkId: network.id, projectId }
          created.push(await createPort(ctx, caller, port))
        }
        const views = created.map((p) => view(input, p))
        return { status: 201, body: bulk ? { ports: views } : { port: views[0] } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/ports/:id',
      policy: 'update_port',
      schema: { params: idParams, body: resourceBody('port', portProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const port = await getPort(ctx, caller, input.params['id'] as string)
        const network = await getNetwork(
          ctx,
          { projectId: caller.projectId, isAdmin: true },
          port.networkId,
        )
        const target = { project_id: port.projectId, 'network:project_id': network.projectId }
        input.authorize(target)
        const body = member(input, 'port')
        checkAttributes(input, 'update_port', body, target)
        const updated = await updatePort(ctx, caller, port.id, spec(body), ifMatch(input))
        return { status: 200, body: { port: view(input, updated) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/ports/:id',
      policy: 'delete_port',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const port = await getPort(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: port.projectId, 'network:project_id': caller.projectId })
        await deletePort(ctx, caller, port.id)
        return { status: 204 }
      },
    },
  ]
}
