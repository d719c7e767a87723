/** @module network/service/routers: routers, gateways, interfaces and static routes */
import { BadRequestError, ForbiddenError } from '../../core/errors/index.js'
import { getPort as getPortRow, listPorts as listPortRows, type Port } from '../db/ports-repo.js'
import {
  deleteRouter as removeRouter,
  getRouter as getRouterRow,
  insertRouter,
  listFloatingIps,
  listRouters as listRouterRows,
  updateRouter as writeRouter,
  type Router,
} from '../db/routers-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import {
  getSubnet as getSubnetRow,
  listSubnets,
  type HostRoute,
  type Subnet,
} from '../db/subnets-repo.js'
import {
  BadRouterRequestError,
  InvalidRoutesError,
  IpAddressInUseError,
  NetworkNotFoundError,
  PortInUseError,
  RouterInUseError,
  RouterInterfaceInUseByFloatingIPError,
  RouterInterfaceNotFoundError,
  RouterInterfaceNotFoundForSubnetError,
  RouterNotFoundError,
  SubnetNotFoundError,
} from '../errors.js'
import { cidrsOverlap, formatCidr, formatIp, parseCidr, parseIp } from '../ipam/ip-address.js'
import { now, retryingTransaction, type Caller, type NetworkContext, type Tx } from './context.js'
import type { FixedIpRequest } from './ipam.js'
import { changePort, createPort, getPort, removePortIn } from './ports.js'
import { checkQuota } from './quotas.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'
import { getSubnet } from './subnets.js'
import { visibleNetwork } from './visibility.js'

export const ROUTER_INTERFACE = 'network:router_interface'
export const ROUTER_GATEWAY = 'network:router_gateway'

export interface GatewayInput {
  networkId: string
  enableSnat?: boolean
  externalFixedIps?: FixedIpRequest[]
}

export interface RouterInput {
  projectId?: string
  name?: string
  description?: string
  adminStateUp?: boolean
  gateway?: GatewayInput | null
  availabilityZoneHints?: string[]
  tags?: string[]
}

/** A router with the ports the view shows (its gateway's fixed IPs). */
export interface RouterDetails {
  router: Router
  gatewayIps: { subnetId: string; ipAddress: string }[]
}

/** What adding or removing an interface answers. */
export interface InterfaceInfo {
  routerId: string
  projectId: string
  portId: string
  subnetId: string
  subnetIds: string[]
  networkId: string
}

async function details(tx: Tx, router: Router): Promise<RouterDetails> {
  const gw = router.gwPortId ? await getPortRow(tx, router.gwPortId) : undefined
  return { router, gatewayIps: gw?.fixedIps ?? [] }
}

async function attachGateway(
  ctx: NetworkContext,
  tx: Tx,
  caller: Caller,
  router: Router,
  gateway: GatewayInput,
): Promise<Router> {
  const found = await visibleNetwork(ctx, caller, gateway.networkId, tx).catch(() => {
    throw new NetworkNotFoundError(gateway.networkId)
  })
  if (!found.network.external) {
    throw new BadRequestError(
      `Bad router request: Network ${gateway.networkId} is not a valid external network.`,
    )
  }
  const port = await createPort(
    ctx,
    { projectId: '', isAdmin: true },
    {
      networkId: gateway.networkId,
      projectId: '',
      deviceOwner: ROUTER_GATEWAY,
      deviceId: router.id,
      adminStateUp: true,
      ...(gateway.externalFixedIps ? { fixedIps: gateway.externalFixedIps } : {}),
    },
    { internal: true, tx },
  )
  return {
    ...router,
    gwNetworkId: gateway.networkId,
    gwPortId: port.id,
    enableSnat: gateway.enableSnat ?? true,
  }
}

async function detachGateway(ctx: NetworkContext, tx: Tx, router: Router): Promise<Router> {
  if (router.gwNetworkId) {
    const fips = await listFloatingIps(tx, { routerId: router.id })
    if (fips.length > 0) {
      throw new RouterInUseError(
        router.id,
        `cannot remove the gateway: floating IPs ${fips.map((f) => f.id).join(', ')} use it`,
      )
    }
  }
  if (router.gwPortId) {
    const port = await getPortRow(tx, router.gwPortId)
    if (port) await removePortIn(ctx, tx, port)
  }
  return { ...router, gwNetworkId: null, gwPortId: null, enableSnat: true }
}

/** Tells the drivers a router changed, after the commit; returns `result`. */
export async function routerChanged<T>(
  ctx: NetworkContext,
  routerIds: readonly (string | null | undefined)[],
  result: T,
): Promise<T> {
  for (const id of new Set(routerIds)) {
    if (id) for (const d of ctx.drivers) await d.routerPostcommit?.(id)
  }
  return result
}

export async function createRouter(
  ctx: NetworkContext,
  caller: Caller,
  input: RouterInput,
): Promise<RouterDetails> {
  const at = now(ctx)
  const projectId = input.projectId ?? caller.projectId
  const created = await retryingTransaction(ctx, async (tx) => {
    await checkQuota(ctx, tx, projectId, 'router')
    let router: Router = {
      id: ctx.ids.uuid(),
      projectId,
      name: input.name ?? '',
      description: input.description ?? '',
      revisionNumber: 1,
      createdAt: at,
      updatedAt: at,
      tags: input.tags ?? [],
      status: 'ACTIVE',
      adminStateUp: input.adminStateUp ?? true,
      gwNetworkId: null,
      gwPortId: null,
      enableSnat: true,
      routes: [],
      availabilityZoneHints: input.availabilityZoneHints ?? [],
    }
    await insertRouter(tx, router)
    if (input.gateway) {
      router = await attachGateway(ctx, tx, caller, router, input.gateway)
      await writeRouter(tx, router, router.revisionNumber)
    }
    await setTags(tx, router.id, router.tags)
    return details(tx, router)
  })
  return routerChanged(ctx, [created.router.id], created)
}

function visible(caller: Caller, router: Router | undefined, id: string): Router {
  if (!router || (!caller.isAdmin && router.projectId !== caller.projectId))
    throw new RouterNotFoundError(id)
  return router
}

export async function getRouter(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<RouterDetails> {
  return details(ctx.db, visible(caller, await getRouterRow(ctx.db, id), id))
}

export async function listRouters(ctx: NetworkContext, caller: Caller): Promise<RouterDetails[]> {
  const routers = await listRouterRows(
    ctx.db,
    caller.isAdmin ? {} : { projectId: caller.projectId },
  )
  return Promise.all(routers.map((r) => details(ctx.db, r)))
}

async function interfacePorts(tx: Tx, routerId: string): Promise<Port[]> {
  return (await listPortRows(tx, { deviceId: routerId })).filter(
    (p) => p.deviceOwner !== ROUTER_GATEWAY,
  )
}

async function checkRoutes(
  tx: Tx,
  router: Router,
  routes: readonly HostRoute[],
): Promise<HostRoute[]> {
  const ports = await interfacePorts(tx, router.id)
  const subnetIds = [...new Set(ports.flatMap((p) => p.fixedIps.map((f) => f.subnetId)))]
  const cidrs = (await listSubnets(tx, { ids: subnetIds })).map((s) => parseCidr(s.cidr))
  const ips = new Set(ports.flatMap((p) => p.fixedIps.map((f) => f.ipAddress)))
  return routes.map((r) => {
    const dest = parseCidr(r.destination)
    const hop = parseIp(r.nexthop)
    if (!dest || !hop) throw new InvalidRoutesError(`${JSON.stringify(r)} is not a valid route`)
    const hopText = formatIp(hop.version, hop.value)
    const connected = cidrs.some(
      (c) => c && c.version === hop.version && hop.value >= c.first && hop.value <= c.last,
    )
    if (!connected)
      throw new InvalidRoutesError(`the nexthop ${hopText} is not connected with router`)
    if (ips.has(hopText)) throw new InvalidRoutesError(`the nexthop ${hopText} is used by router`)
    return { destination: formatCidr(dest), nexthop: hopText }
  })
}

export interface RouterUpdate {
  name?: string
  description?: string
  adminStateUp?: boolean
  /** null or `{}`: remove the gateway. */
  gateway?: GatewayInput | null
  routes?: HostRoute[] | null
}

export async function updateRouter(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: RouterUpdate,
  ifMatch?: number,
): Promise<RouterDetails> {
  const updated = await retryingTransaction(ctx, async (tx) => {
    const router = visible(caller, await getRouterRow(tx, id), id)
    checkRevision(router, ifMatch)
    const { gateway, routes, ...plain } = update
    let next = bumped(ctx, router, plain)
    if (gateway !== undefined) {
      const same = gateway && gateway.networkId === router.gwNetworkId && !gateway.externalFixedIps
      if (same) next = { ...next, enableSnat: gateway.enableSnat ?? next.enableSnat }
      else {
        next = await detachGateway(ctx, tx, next)
        if (gateway) next = await attachGateway(ctx, tx, caller, next, gateway)
      }
    }
    if (routes !== undefined) next = { ...next, routes: await checkRoutes(tx, next, routes ?? []) }
    assertWritten(await writeRouter(tx, next, router.revisionNumber), 'Router')
    return details(tx, next)
  })
  return routerChanged(ctx, [id], updated)
}

export async function deleteRouter(ctx: NetworkContext, caller: Caller, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const router = visible(caller, await getRouterRow(tx, id), id)
    if ((await interfacePorts(tx, id)).length > 0) throw new RouterInUseError(id)
    const detached = await detachGateway(ctx, tx, router)
    void detached
    await removeRouter(tx, id)
    await dropTags(tx, id)
  })
  await routerChanged(ctx, [id], undefined)
}

async function checkOverlap(tx: Tx, routerId: string, subnet: Subnet): Promise<void> {
  const cidr = parseCidr(subnet.cidr)
  for (const port of await interfacePorts(tx, routerId)) {
    for (const ip of port.fixedIps) {
      if (ip.subnetId === subnet.id) {
        throw new BadRouterRequestError(`Router already has a port on subnet ${subnet.id}`)
      }
      const other = await getSubnetRow(tx, ip.subnetId)
      const otherCidr = other && parseCidr(other.cidr)
      if (cidr && otherCidr && cidrsOverlap(cidr, otherCidr)) {
        throw new BadRouterRequestError(
          `Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${other.cidr} of subnet ${other.id}`,
        )
      }
    }
  }
}

export async function addInterface(
  ctx: NetworkContext,
  caller: Caller,
  routerId: string,
  by: { subnetId?: string; portId?: string },
): Promise<InterfaceInfo> {
  if ((by.subnetId && by.portId) || (!by.subnetId && !by.portId)) {
    throw new BadRequestError('Bad router request: Either subnet_id or port_id must be specified.')
  }
  const subnet = by.subnetId ? await getSubnet(ctx, caller, by.subnetId) : undefined
  const given = by.portId ? await getPort(ctx, caller, by.portId) : undefined
  const info = await retryingTransaction(ctx, async (tx) => {
    const router = visible(caller, await getRouterRow(tx, routerId), routerId)
    let port: Port
    if (subnet) {
      if (!subnet.gatewayIp) {
        throw new BadRequestError(
          `Bad router request: Subnet for router interface must have a gateway IP.`,
        )
      }
      await checkOverlap(tx, router.id, subnet)
      const users = await listPortRows(tx, { networkIds: [subnet.networkId] })
      if (
        users.some((p) =>
          p.fixedIps.some((f) => f.ipAddress === subnet.gatewayIp && f.subnetId === subnet.id),
        )
      ) {
        throw new IpAddressInUseError(subnet.networkId, subnet.gatewayIp)
      }
      port = await createPort(
        ctx,
        { projectId: router.projectId, isAdmin: true },
        {
          networkId: subnet.networkId,
          projectId: router.projectId,
          deviceOwner: ROUTER_INTERFACE,
          deviceId: router.id,
          fixedIps: [{ subnetId: subnet.id, ipAddress: subnet.gatewayIp }],
        },
        { internal: true, tx },
      )
    } else {
      const fresh = await getPortRow(tx, (given as Port).id)
      if (!fresh) throw new SubnetNotFoundError((given as Port).id)
      if (fresh.deviceId) throw new PortInUseError(fresh.networkId, fresh.id, fresh.deviceId)
      if (fresh.fixedIps.length === 0) {
        throw new BadRequestError(
          `Bad router request: Router port must have at least one fixed IP.`,
        )
      }
      for (const ip of fresh.fixedIps) {
        const s = await getSubnetRow(tx, ip.subnetId)
        if (s) await checkOverlap(tx, router.id, s)
      }
      port = await changePort(ctx, tx, fresh, {
        deviceOwner: ROUTER_INTERFACE,
        deviceId: router.id,
        securityGroups: [],
      })
    }
    const first = port.fixedIps[0]
    return {
      routerId: router.id,
      projectId: router.projectId,
      portId: port.id,
      subnetId: subnet?.id ?? first?.subnetId ?? '',
      subnetIds: port.fixedIps.map((f) => f.subnetId),
      networkId: port.networkId,
    }
  })
  return routerChanged(ctx, [routerId], info)
}

export async function removeInterface(
  ctx: NetworkContext,
  caller: Caller,
  routerId: string,
  by: { subnetId?: string; portId?: string },
): Promise<InterfaceInfo> {
  if (!by.subnetId && !by.portId) {
    throw new BadRequestError('Bad router request: Either subnet_id or port_id must be specified.')
  }
  const info = await ctx.db.transaction().execute(async (tx) => {
    const router = visible(caller, await getRouterRow(tx, routerId), routerId)
    const ports = await interfacePorts(tx, router.id)
    let port: Port | undefined
    if (by.portId) {
      port = ports.find((p) => p.id === by.portId)
      if (!port) throw new RouterInterfaceNotFoundError(router.id, by.portId)
      if (by.subnetId && !port.fixedIps.some((f) => f.subnetId === by.subnetId)) {
        throw new RouterInterfaceNotFoundForSubnetError(router.id, by.subnetId)
      }
    } else {
      port = ports.find((p) => p.fixedIps.some((f) => f.subnetId === by.subnetId))
      if (!port) throw new RouterInterfaceNotFoundForSubnetError(router.id, by.subnetId as string)
    }
    const subnetIds = by.subnetId ? [by.subnetId] : port.fixedIps.map((f) => f.subnetId)
    const fips = await listFloatingIps(tx, { routerId: router.id })
    for (const fip of fips) {
      const internal = fip.portId ? await getPortRow(tx, fip.portId) : undefined
      const hit = internal?.fixedIps.find(
        (f) => f.ipAddress === fip.fixedIpAddress && subnetIds.includes(f.subnetId),
      )
      if (hit) throw new RouterInterfaceInUseByFloatingIPError(router.id, hit.subnetId)
    }
    const remaining = port.fixedIps.filter((f) => !subnetIds.includes(f.subnetId))
    if (by.subnetId && remaining.length > 0) {
      await changePort(ctx, tx, port, {
        fixedIps: remaining.map((f) => ({ subnetId: f.subnetId, ipAddress: f.ipAddress })),
      })
    } else {
      await removePortIn(ctx, tx, port)
    }
    return {
      routerId: router.id,
      projectId: router.projectId,
      portId: port.id,
      subnetId: subnetIds[0] ?? '',
      subnetIds,
      networkId: port.networkId,
    }
  })
  return routerChanged(ctx, [routerId], info)
}

/** Routers with a gateway on `externalNetworkId` and an interface on `subnetId`. */
export async function routersReaching(
  tx: Tx,
  externalNetworkId: string,
  subnetId: string,
): Promise<Router[]> {
  const routers = await listRouterRows(tx, { gwNetworkId: externalNetworkId })
  const out: Router[] = []
  for (const router of routers) {
    const ports = await interfacePorts(tx, router.id)
    if (ports.some((p) => p.fixedIps.some((f) => f.subnetId === subnetId))) out.push(router)
  }
  return out
}

/** Refuses to act on another project's router unless admin (for interface calls on shared routers). */
export function assertRouterOwner(caller: Caller, router: Router): void {
  if (!caller.isAdmin && router.projectId !== caller.projectId) throw new ForbiddenError()
}
