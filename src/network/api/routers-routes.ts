/** @module network/api/routers-routes: /v2.0/routers (with interfaces) and /v2.0/floatingips */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { NetworkContext } from '../service/context.js'
import {
  createFloatingIp,
  deleteFloatingIp,
  getFloatingIp,
  listFloatingIpDetails,
  updateFloatingIp,
} from '../service/floating-ips.js'
import type { FixedIpRequest } from '../service/ipam.js'
import {
  addInterface,
  createRouter,
  deleteRouter,
  getRouter,
  listRouters,
  removeInterface,
  updateRouter,
  type GatewayInput,
  type InterfaceInfo,
  type RouterUpdate,
} from '../service/routers.js'
import type { HostRoute } from '../service/types.js'
import { listBody, pick, requestedFields } from './list-query.js'
import {
  bool,
  callerOf,
  idParams,
  ifMatch,
  member,
  nullableStr,
  ownerFor,
  resourceBody,
  routeList,
  str,
  strList,
  uuidish,
} from './route-kit.js'
import { floatingIpView, routerView } from './views.js'

const gatewaySchema = {
  type: ['object', 'null'],
  properties: {
    network_id: uuidish,
    enable_snat: bool,
    external_fixed_ips: {
      type: 'array',
      items: { type: 'object', properties: { subnet_id: uuidish, ip_address: str } },
    },
  },
}

const routerProps = {
  name: str,
  description: str,
  admin_state_up: bool,
  external_gateway_info: gatewaySchema,
  routes: routeList,
  availability_zone_hints: strList,
  tenant_id: uuidish,
  project_id: uuidish,
  distributed: { type: 'boolean', enum: [false] },
  ha: { type: 'boolean', enum: [false] },
}

function gatewayOf(
  input: RouteInput,
  action: string,
  body: Record<string, unknown>,
  target: Record<string, unknown>,
): GatewayInput | null | undefined {
  const info = body['external_gateway_info'] as Record<string, unknown> | null | undefined
  if (info === undefined) return undefined
  if (info === null || info['network_id'] === undefined) return null
  if (info['enable_snat'] !== undefined)
    input.authorizeRule(`${action}:external_gateway_info:enable_snat`, target)
  const fixed = info['external_fixed_ips'] as
    { subnet_id?: string; ip_address?: string }[] | undefined
  if (fixed?.some((f) => f.ip_address !== undefined)) {
    input.authorizeRule(`${action}:external_gateway_info:external_fixed_ips`, target)
  }
  return {
    networkId: info['network_id'] as string,
    ...(typeof info['enable_snat'] === 'boolean' ? { enableSnat: info['enable_snat'] } : {}),
    ...(fixed
      ? {
          externalFixedIps: fixed.map((f): FixedIpRequest => ({
            ...(f.subnet_id ? { subnetId: f.subnet_id } : {}),
            ...(f.ip_address ? { ipAddress: f.ip_address } : {}),
          })),
        }
      : {}),
  }
}

function interfaceView(info: InterfaceInfo) {
  return {
    id: info.routerId,
    tenant_id: info.projectId,
    project_id: info.projectId,
    port_id: info.portId,
    subnet_id: info.subnetId,
    subnet_ids: info.subnetIds,
    network_id: info.networkId,
  }
}

const interfaceSchema = { type: 'object', properties: { subnet_id: uuidish, port_id: uuidish } }

const fipProps = {
  floating_network_id: uuidish,
  floating_ip_address: str,
  subnet_id: uuidish,
  port_id: { type: ['string', 'null'] },
  fixed_ip_address: nullableStr,
  description: str,
  tenant_id: uuidish,
  project_id: uuidish,
  dns_name: str,
  dns_domain: str,
}

/** Router and floating IP routes. */
export function routerRoutes(ctx: NetworkContext): Route[] {
  const routerTarget = async (input: RouteInput) => {
    const router = await getRouter(ctx, callerOf(input), input.params['id'] as string)
    input.authorize({ project_id: router.router.projectId })
    return router
  }
  return [
    {
      method: 'GET',
      path: '/v2.0/routers',
      policy: 'get_router',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const routers = await listRouters(ctx, caller)
        return {
          status: 200,
          body: listBody(
            input,
            'routers',
            routers.map((r) => routerView(r, caller)),
          ),
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/routers/:id',
      policy: 'get_router',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const router = await routerTarget(input)
        return {
          status: 200,
          body: { router: pick(routerView(router, callerOf(input)), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/routers',
      policy: 'create_router',
      schema: { body: resourceBody('router', routerProps) },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const body = member(input, 'router')
        const projectId = ownerFor(input, body, caller)
        const target = { project_id: projectId }
        input.authorize(target)
        const gateway = gatewayOf(input, 'create_router', body, target)
        const router = await createRouter(ctx, caller, {
          projectId,
          ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
          ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
          ...(typeof body['admin_state_up'] === 'boolean'
            ? { adminStateUp: body['admin_state_up'] }
            : {}),
          ...(gateway ? { gateway } : {}),
          ...(Array.isArray(body['availability_zone_hints'])
            ? { availabilityZoneHints: body['availability_zone_hints'] as string[] }
            : {}),
        })
        return { status: 201, body: { router: routerView(router, caller) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/routers/:id',
      policy: 'update_router',
      schema: { params: idParams, body: resourceBody('router', routerProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const current = await routerTarget(input)
        const body = member(input, 'router')
        const gateway = gatewayOf(input, 'update_router', body, {
          project_id: current.router.projectId,
        })
        const update: RouterUpdate = {
          ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
          ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
          ...(typeof body['admin_state_up'] === 'boolean'
            ? { adminStateUp: body['admin_state_up'] }
            : {}),
          ...(gateway !== undefined ? { gateway } : {}),
          ...('routes' in body ? { routes: body['routes'] as HostRoute[] | null } : {}),
        }
        const router = await updateRouter(ctx, caller, current.router.id, update, ifMatch(input))
        return { status: 200, body: { router: routerView(router, caller) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/routers/:id',
      policy: 'delete_router',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const router = await routerTarget(input)
        await deleteRouter(ctx, callerOf(input), router.router.id)
        return { status: 204 }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/routers/:id/add_router_interface',
      policy: 'add_router_interface',
      schema: { params: idParams, body: interfaceSchema },
      errors: [404, 409],
      async handler(input) {
        const router = await routerTarget(input)
        const body = input.body as { subnet_id?: string; port_id?: string }
        const info = await addInterface(ctx, callerOf(input), router.router.id, {
          ...(body.subnet_id ? { subnetId: body.subnet_id } : {}),
          ...(body.port_id ? { portId: body.port_id } : {}),
        })
        return { status: 200, body: interfaceView(info) }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/routers/:id/remove_router_interface',
      policy: 'remove_router_interface',
      schema: { params: idParams, body: interfaceSchema },
      errors: [404, 409],
      async handler(input) {
        const router = await routerTarget(input)
        const body = input.body as { subnet_id?: string; port_id?: string }
        const info = await removeInterface(ctx, callerOf(input), router.router.id, {
          ...(body.subnet_id ? { subnetId: body.subnet_id } : {}),
          ...(body.port_id ? { portId: body.port_id } : {}),
        })
        return { status: 200, body: interfaceView(info) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/floatingips',
      policy: 'get_floatingip',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const fips = await listFloatingIpDetails(ctx, caller)
        return { status: 200, body: listBody(input, 'floatingips', fips.map(floatingIpView)) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/floatingips/:id',
      policy: 'get_floatingip',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const fip = await getFloatingIp(ctx, callerOf(input), input.params['id'] as string)
        input.authorize({ project_id: fip.fip.projectId })
        return {
          status: 200,
          body: { floatingip: pick(floatingIpView(fip), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/floatingips',
      policy: 'create_floatingip',
      schema: { body: resourceBody('floatingip', fipProps, { required: ['floating_network_id'] }) },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const body = member(input, 'floatingip')
        const projectId = ownerFor(input, body, caller)
        input.authorize({ project_id: projectId })
        if (body['floating_ip_address'] !== undefined) {
          input.authorizeRule('create_floatingip:floating_ip_address', { project_id: projectId })
        }
        const fip = await createFloatingIp(ctx, caller, {
          floatingNetworkId: body['floating_network_id'] as string,
          projectId,
          ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
          ...(typeof body['floating_ip_address'] === 'string'
            ? { floatingIpAddress: body['floating_ip_address'] }
            : {}),
          ...(typeof body['subnet_id'] === 'string' ? { subnetId: body['subnet_id'] } : {}),
          ...(body['port_id'] !== undefined ? { portId: body['port_id'] as string | null } : {}),
          ...(body['fixed_ip_address'] !== undefined
            ? { fixedIpAddress: body['fixed_ip_address'] as string | null }
            : {}),
        })
        return { status: 201, body: { floatingip: floatingIpView(fip) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/floatingips/:id',
      policy: 'update_floatingip',
      schema: { params: idParams, body: resourceBody('floatingip', fipProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const current = await getFloatingIp(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: current.fip.projectId })
        const body = member(input, 'floatingip')
        const fip = await updateFloatingIp(
          ctx,
          caller,
          current.fip.id,
          {
            ...(body['port_id'] !== undefined ? { portId: body['port_id'] as string | null } : {}),
            ...(body['fixed_ip_address'] !== undefined
              ? { fixedIpAddress: body['fixed_ip_address'] as string | null }
              : {}),
            ...(typeof body['description'] === 'string'
              ? { description: body['description'] }
              : {}),
          },
          ifMatch(input),
        )
        return { status: 200, body: { floatingip: floatingIpView(fip) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/floatingips/:id',
      policy: 'delete_floatingip',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const fip = await getFloatingIp(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: fip.fip.projectId })
        await deleteFloatingIp(ctx, caller, fip.fip.id)
        return { status: 204 }
      },
    },
  ]
}
