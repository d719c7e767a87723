/** @module network/api/networks-routes: /v2.0/networks and /v2.0/subnets */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { NetworkContext } from '../service/context.js'
import {
  createNetwork,
  deleteNetworkById,
  getNetwork,
  listNetworks,
  sharedFor,
  subnetIdsOf,
  updateNetwork,
  type NetworkInput,
} from '../service/networks.js'
import {
  createSubnet,
  deleteSubnet,
  getSubnet,
  listSubnets,
  updateSubnet,
  type SubnetInput,
} from '../service/subnets.js'
import type { Network } from '../service/types.js'
import { listBody, pick, queryValues, requestedFields } from './list-query.js'
import {
  authorizeAttributes,
  bool,
  callerOf,
  idParams,
  ifMatch,
  int,
  mapped,
  member,
  nullableStr,
  ownerFor,
  resourceBody,
  routeList,
  str,
  strList,
  uuidish,
} from './route-kit.js'
import { networkView, subnetView } from './views.js'

const networkProps = {
  name: str,
  description: str,
  admin_state_up: bool,
  shared: bool,
  'router:external': bool,
  mtu: { type: 'integer', minimum: 68 },
  'provider:network_type': str,
  'provider:physical_network': nullableStr,
  'provider:segmentation_id': { type: ['integer', 'null'] },
  port_security_enabled: bool,
  availability_zone_hints: strList,
  is_default: bool,
  tenant_id: uuidish,
  project_id: uuidish,
}

const NETWORK_MAP = {
  name: 'name',
  description: 'description',
  admin_state_up: 'adminStateUp',
  shared: 'shared',
  'router:external': 'external',
  mtu: 'mtu',
  'provider:network_type': 'networkType',
  'provider:physical_network': 'physicalNetwork',
  'provider:segmentation_id': 'segmentationId',
  port_security_enabled: 'portSecurityEnabled',
  availability_zone_hints: 'availabilityZoneHints',
  is_default: 'isDefault',
  tags: 'tags',
} as const

const ADMIN_NETWORK_ATTRS = {
  shared: 'shared',
  'router:external': 'router:external',
  'provider:network_type': 'provider',
  'provider:physical_network': 'provider',
  'provider:segmentation_id': 'provider',
}

async function networkWire(ctx: NetworkContext, input: RouteInput, networks: Network[]) {
  const caller = callerOf(input)
  const subnets = await subnetIdsOf(
    ctx,
    networks.map((n) => n.id),
  )
  return Promise.all(
    networks.map(async (n) =>
      networkView(
        n,
        { subnets: subnets.get(n.id) ?? [], shared: await sharedFor(ctx, caller, n) },
        caller,
      ),
    ),
  )
}

function items(
  input: RouteInput,
  single: string,
  plural: string,
): { list: Record<string, unknown>[]; bulk: boolean } {
  const body = input.body as Record<string, unknown>
  if (Array.isArray(body[plural]))
    return { list: body[plural] as Record<string, unknown>[], bulk: true }
  return { list: [member(input, single)], bulk: false }
}

const subnetProps = {
  name: str,
  description: str,
  network_id: uuidish,
  ip_version: { type: 'integer', enum: [4, 6] },
  cidr: { type: ['string', 'null'] },
  prefixlen: int,
  subnetpool_id: { type: ['string', 'null'] },
  use_default_subnetpool: bool,
  gateway_ip: { type: ['string', 'null'] },
  allocation_pools: {
    type: 'array',
    items: { type: 'object', required: ['start', 'end'], properties: { start: str, end: str } },
  },
  dns_nameservers: strList,
  host_routes: routeList,
  enable_dhcp: bool,
  ipv6_ra_mode: { type: ['string', 'null'] },
  ipv6_address_mode: { type: ['string', 'null'] },
  service_types: strList,
  tenant_id: uuidish,
  project_id: uuidish,
  segment_id: { type: ['string', 'null'] },
}

const SUBNET_MAP = {
  name: 'name',
  description: 'description',
  cidr: 'cidr',
  prefixlen: 'prefixlen',
  subnetpool_id: 'subnetpoolId',
  use_default_subnetpool: 'useDefaultSubnetpool',
  gateway_ip: 'gatewayIp',
  allocation_pools: 'allocationPools',
  dns_nameservers: 'dnsNameservers',
  host_routes: 'hostRoutes',
  enable_dhcp: 'enableDhcp',
  ipv6_ra_mode: 'ipv6RaMode',
  ipv6_address_mode: 'ipv6AddressMode',
  service_types: 'serviceTypes',
  tags: 'tags',
} as const

/** Network and subnet routes. */
export function networkRoutes(ctx: NetworkContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.0/networks',
      policy: 'get_network',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const ids = queryValues(input.query, 'id')
        const name = queryValues(input.query, 'name')
        const networks = await listNetworks(ctx, caller, {
          ...(ids ? { ids } : {}),
          ...(name?.length === 1 ? { name: name[0] as string } : {}),
        })
        return {
          status: 200,
          body: listBody(input, 'networks', await networkWire(ctx, input, networks)),
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/networks/:id',
      policy: 'get_network',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const network = await getNetwork(ctx, callerOf(input), input.params['id'] as string)
        const [view] = await networkWire(ctx, input, [network])
        input.authorize(view)
        return { status: 200, body: { network: pick(view ?? {}, requestedFields(input.query)) } }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/networks',
      policy: 'create_network',
      schema: { body: resourceBody('network', networkProps, { plural: 'networks' }) },
      errors: [404, 409, 503],
      async handler(input) {
        const caller = callerOf(input)
        const { list, bulk } = items(input, 'network', 'networks')
        const created: Network[] = []
        for (const body of list) {
          const projectId = ownerFor(input, body, caller)
          input.authorize({ project_id: projectId })
          authorizeAttributes(input, 'create_network', body, ADMIN_NETWORK_ATTRS, {
            project_id: projectId,
          })
          const spec = mapped<NetworkInput>(body, NETWORK_MAP)
          created.push(await createNetwork(ctx, caller, { ...spec, projectId }))
        }
        const views = await networkWire(ctx, input, created)
        return { status: 201, body: bulk ? { networks: views } : { network: views[0] } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/networks/:id',
      policy: 'update_network',
      schema: { params: idParams, body: resourceBody('network', networkProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const id = input.params['id'] as string
        const current = await getNetwork(ctx, caller, id)
        const target = { project_id: current.projectId }
        input.authorize(target)
        const body = member(input, 'network')
        authorizeAttributes(input, 'update_network', body, ADMIN_NETWORK_ATTRS, target)
        const network = await updateNetwork(
          ctx,
          caller,
          id,
          mapped(body, NETWORK_MAP),
          ifMatch(input),
        )
        const [view] = await networkWire(ctx, input, [network])
        return { status: 200, body: { network: view } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/networks/:id',
      policy: 'delete_network',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const network = await getNetwork(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: network.projectId })
        await deleteNetworkById(ctx, caller, network.id)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/subnets',
      policy: 'get_subnet',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const ids = queryValues(input.query, 'id')
        const networkIds = queryValues(input.query, 'network_id')
        const subnets = await listSubnets(ctx, caller, {
          ...(ids ? { ids } : {}),
          ...(networkIds ? { networkIds } : {}),
        })
        return { status: 200, body: listBody(input, 'subnets', subnets.map(subnetView)) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/subnets/:id',
      policy: 'get_subnet',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const subnet = await getSubnet(ctx, callerOf(input), input.params['id'] as string)
        input.authorize({ project_id: subnet.projectId, shared: true })
        return {
          status: 200,
          body: { subnet: pick(subnetView(subnet), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/subnets',
      policy: 'create_subnet',
      schema: {
        body: resourceBody('subnet', subnetProps, {
          plural: 'subnets',
          required: ['network_id', 'ip_version'],
        }),
      },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const { list, bulk } = items(input, 'subnet', 'subnets')
        const created = []
        for (const body of list) {
          const projectId = ownerFor(input, body, caller)
          const network = await getNetwork(ctx, caller, body['network_id'] as string)
          input.authorize({ project_id: projectId, 'network:project_id': network.projectId })
          const spec = mapped<SubnetInput>(body, SUBNET_MAP)
          created.push(
            await createSubnet(ctx, caller, {
              ...spec,
              networkId: network.id,
              ipVersion: body['ip_version'] as 4 | 6,
              projectId,
              ...(body['cidr'] === null ? { cidr: undefined } : {}),
            } as SubnetInput),
          )
        }
        const views = created.map(subnetView)
        return { status: 201, body: bulk ? { subnets: views } : { subnet: views[0] } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/subnets/:id',
      policy: 'update_subnet',
      schema: { params: idParams, body: resourceBody('subnet', subnetProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const subnet = await getSubnet(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: subnet.projectId, 'network:project_id': subnet.projectId })
        const body = member(input, 'subnet')
        const updated = await updateSubnet(
          ctx,
          caller,
          subnet.id,
          mapped(body, SUBNET_MAP),
          ifMatch(input),
        )
        return { status: 200, body: { subnet: subnetView(updated) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/subnets/:id',
      policy: 'delete_subnet',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const subnet = await getSubnet(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: subnet.projectId, 'network:project_id': subnet.projectId })
        await deleteSubnet(ctx, caller, subnet.id)
        return { status: 204 }
      },
    },
  ]
}
