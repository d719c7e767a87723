/** @module network/service/agent-sync: the state each agent pulls, the DHCP and router port bindings, port status from agents */
import { createHash } from 'node:crypto'
import { bindAgent, listAgentBindings, unbindAgents } from '../db/agents-repo.js'
import { getNetwork, listNetworks } from '../db/networks-repo.js'
import { eui64Address, formatIp, parseCidr, type Cidr } from '../ipam/ip-address.js'
import {
  getPort as getPortRow,
  listPorts as listPortRows,
  updatePort as writePort,
  type Port,
} from '../db/ports-repo.js'
import { listFloatingIps, listRouters } from '../db/routers-repo.js'
import { listRules } from '../db/security-groups-repo.js'
import { listSubnets, type Subnet } from '../db/subnets-repo.js'
import type { AgentRegistry } from '../rpc/agent-registry.js'
import type { AgentType } from '../rpc/contracts.js'
import type {
  DhcpNetwork,
  L2Port,
  L2State,
  L3Router,
  L3State,
  RouterPort,
  SecurityRule,
} from '../rpc/payloads.js'
import type { Caller, NetworkContext } from './context.js'
import { createPort, updatePort } from './ports.js'
import { bumped } from './revisions.js'

const SYSTEM: Caller = { projectId: '', isAdmin: true }

/**
 * The hosts whose agent of `type` serves each resource, as Neutron's schedulers keep them: a
 * resource stays with its agent while that agent is alive (even when set administratively
 * down), and one without a live agent goes to a live agent that is administratively up, spread
 * by a hash of its id. Bindings of resources no longer listed are dropped.
 */
export async function hostingAgents(
  ctx: NetworkContext,
  agents: AgentRegistry,
  type: AgentType,
  resourceIds: readonly string[],
): Promise<Map<string, string>> {
  const bindings = await listAgentBindings(ctx.db, type)
  const candidates = agents
    .liveAgents(type)
    .filter((a) => a.adminStateUp)
    .map((a) => a.host)
  const result = new Map<string, string>()
  for (const id of resourceIds) {
    const bound = bindings.get(id)
    if (bound && agents.alive(bound, type)) {
      result.set(id, bound)
      continue
    }
    if (candidates.length === 0) continue
    const score = (host: string) =>
      createHash('sha256').update(`${id}/${host}`).digest().readUInt32BE(0)
    const host = [...candidates].sort((a, b) => score(a) - score(b))[0] as string
    await bindAgent(ctx.db, { agentType: type, resourceId: id, host })
    result.set(id, host)
  }
  const listed = new Set(resourceIds)
  await unbindAgents(
    ctx.db,
    type,
    [...bindings.keys()].filter((id) => !listed.has(id)),
  )
  return result
}

function prefixOf(cidr: string): string {
  return cidr.slice(cidr.indexOf('/') + 1)
}

/** The networks and ports bound to `host`, with the VTEPs of the other hosts on each network. */
export async function l2StateFor(
  ctx: NetworkContext,
  agents: AgentRegistry,
  host: string,
): Promise<L2State> {
  const all = await listPortRows(ctx.db)
  const mine = all.filter((p) => p.hostId === host)
  const networkIds = [...new Set(mine.map((p) => p.networkId))]
  const networks = await listNetworks(ctx.db, { ids: networkIds })
  return {
    networks: networks.map((n) => {
      const peers = new Set<string>()
      if (n.networkType === 'vxlan') {
        for (const p of all) {
          if (p.networkId !== n.id || p.hostId === host || !p.hostId) continue
          const ip = agents.alive(p.hostId, 'l2')?.configurations['tunneling_ip']
          if (typeof ip === 'string' && ip !== '') peers.add(ip)
        }
      }
      return {
        id: n.id,
        networkType: n.networkType,
        physicalNetwork: n.physicalNetwork,
        segmentationId: n.segmentationId,
        mtu: n.mtu,
        peers: [...peers].sort(),
      }
    }),
    ports: mine.map(l2Port),
    ...(await securityFor(ctx, all, mine)),
  }
}

const isIpv4 = (address: string) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(address)

const LINK_LOCAL = parseCidr('fe80::/64') as Cidr

/** The IPv6 link-local address a host with `mac` takes (modified EUI-64). */
function linkLocalOf(mac: string): string {
  return formatIp(6, eui64Address(LINK_LOCAL, mac))
}

function l2Port(p: Port): L2Port {
  const macs = [...new Set([p.macAddress, ...p.allowedAddressPairs.map((a) => a.mac_address)])]
  return {
    id: p.id,
    networkId: p.networkId,
    macAddress: p.macAddress,
    adminStateUp: p.adminStateUp,
    filtered: p.portSecurityEnabled && !p.deviceOwner.startsWith('network:'),
    addresses: [
      ...new Set([
        ...p.fixedIps.map((f) => f.ipAddress),
        ...p.allowedAddressPairs.map((a) => a.ip_address),
        ...macs.map(linkLocalOf),
      ]),
    ],
    macs,
    securityGroups: p.securityGroups,
  }
}

/** The rules of the groups the host's filtered ports are in, and the members of remote groups. */
async function securityFor(
  ctx: NetworkContext,
  all: readonly Port[],
  mine: readonly Port[],
): Promise<Pick<L2State, 'securityGroups' | 'groupMembers'>> {
  const groupIds = [
    ...new Set(mine.filter((p) => l2Port(p).filtered).flatMap((p) => p.securityGroups)),
  ]
  const rules = await listRules(ctx.db, { groupIds })
  const securityGroups: Record<string, SecurityRule[]> = Object.fromEntries(
    groupIds.map((id) => [id, []]),
  )
  const remote = new Set<string>()
  for (const rule of rules) {
    const ethertype = rule.ethertype === 'IPv6' ? 'IPv6' : 'IPv4'
    if (rule.remoteIpPrefix && isIpv4(rule.remoteIpPrefix) !== (ethertype === 'IPv4')) continue
    if (rule.remoteGroupId) remote.add(rule.remoteGroupId)
    securityGroups[rule.securityGroupId]?.push({
      direction: rule.direction === 'egress' ? 'egress' : 'ingress',
      ethertype,
      protocol: rule.protocol,
      portRangeMin: rule.portRangeMin,
      portRangeMax: rule.portRangeMax,
      remoteIpPrefix: rule.remoteIpPrefix,
      remoteGroupId: rule.remoteGroupId,
    })
  }
  const groupMembers: Record<string, string[]> = {}
  for (const id of remote) {
    groupMembers[id] = [
      ...new Set(
        all
          .filter((p) => p.securityGroups.includes(id))
          .flatMap((p) => p.fixedIps.map((f) => f.ipAddress)),
      ),
    ].sort()
  }
  return { securityGroups, groupMembers }
}

/**
 * Records what an L2 agent found: ports plugged on its host become ACTIVE (when administratively
 * up), ports unplugged become DOWN. Ports bound elsewhere are left alone. Returns the ids changed.
 */
export async function setDeviceStatus(
  ctx: NetworkContext,
  report: { host: string; up: readonly string[]; down: readonly string[] },
): Promise<string[]> {
  const changed: string[] = []
  const apply = async (id: string, wanted: (p: Port) => string) => {
    const port = await getPortRow(ctx.db, id)
    if (!port || port.hostId !== report.host) return
    const status = wanted(port)
    if (port.status === status) return
    if (await writePort(ctx.db, bumped(ctx, port, { status }), port.revisionNumber)) {
      changed.push(id)
      ctx.onPortChange?.({ original: port, current: { ...port, status } })
    }
  }
  for (const id of report.up) await apply(id, (p) => (p.adminStateUp ? 'ACTIVE' : 'DOWN'))
  for (const id of report.down) await apply(id, () => 'DOWN')
  return changed
}

function dhcpDeviceId(host: string, networkId: string): string {
  const digest = createHash('sha256').update(host).digest('hex').slice(0, 32)
  return `dhcp${digest}-${networkId}`
}

function hostnameOf(ip: string): string {
  return `host-${ip.replaceAll('.', '-').replaceAll(':', '-')}`
}

/** Makes the network:dhcp port of `host` on a network, with an address on each DHCP subnet. */
async function ensureDhcpPort(
  ctx: NetworkContext,
  host: string,
  networkId: string,
  subnets: readonly Subnet[],
  ports: readonly Port[],
): Promise<Port> {
  const deviceId = dhcpDeviceId(host, networkId)
  const existing = ports.find((p) => p.deviceOwner === 'network:dhcp' && p.deviceId === deviceId)
  if (!existing) {
    const network = await getNetwork(ctx.db, networkId)
    return createPort(
      ctx,
      SYSTEM,
      {
        networkId,
        projectId: network?.projectId ?? '',
        deviceOwner: 'network:dhcp',
        deviceId,
        hostId: host,
        fixedIps: subnets.map((s) => ({ subnetId: s.id })),
      },
      { internal: true },
    )
  }
  const missing = subnets.filter((s) => !existing.fixedIps.some((f) => f.subnetId === s.id))
  if (missing.length === 0 && existing.hostId === host) return existing
  return updatePort(ctx, SYSTEM, existing.id, {
    hostId: host,
    fixedIps: [
      ...existing.fixedIps.map((f) => ({ subnetId: f.subnetId, ipAddress: f.ipAddress })),
      ...missing.map((s) => ({ subnetId: s.id })),
    ],
  })
}

/** IPv6 subnets whose hosts take their addresses from DHCPv6 (the others use SLAAC). */
function isStatefulV6(s: Subnet): boolean {
  return (
    s.ipv6AddressMode === 'dhcpv6-stateful' || (s.ipv6AddressMode === null && s.ipv6RaMode === null)
  )
}

/** The networks the DHCP agent on `host` serves (DHCP subnets), creating their DHCP ports. */
export async function dhcpStateFor(
  ctx: NetworkContext,
  agents: AgentRegistry,
  host: string,
): Promise<{ networks: DhcpNetwork[] }> {
  const subnets = (await listSubnets(ctx.db)).filter((s) => s.enableDhcp)
  const hosting = await hostingAgents(ctx, agents, 'dhcp', [
    ...new Set(subnets.map((s) => s.networkId)),
  ])
  const networkIds = [...hosting].filter(([, h]) => h === host).map(([id]) => id)
  const networks = await listNetworks(ctx.db, { ids: networkIds })
  const result: DhcpNetwork[] = []
  for (const network of networks) {
    const own = subnets.filter((s) => s.networkId === network.id)
    const ports = await listPortRows(ctx.db, { networkIds: [network.id] })
    const port = await ensureDhcpPort(ctx, host, network.id, own, ports)
    const routed = new Set(
      ports
        .filter((p) => p.deviceOwner === 'network:router_interface')
        .flatMap((p) => p.fixedIps.map((f) => f.subnetId)),
    )
    const served = new Set(own.filter((s) => s.ipVersion === 4 || isStatefulV6(s)).map((s) => s.id))
    result.push({
      id: network.id,
      mtu: network.mtu,
      subnets: own.map((s) => ({
        id: s.id,
        cidr: s.cidr,
        ipVersion: s.ipVersion === 6 ? 6 : 4,
        ipv6RaMode: s.ipv6RaMode,
        ipv6AddressMode: s.ipv6AddressMode,
        routed: routed.has(s.id),
        gatewayIp: s.gatewayIp,
        dnsNameservers: s.dnsNameservers,
        hostRoutes: s.hostRoutes,
      })),
      port: { id: port.id, macAddress: port.macAddress, fixedIps: port.fixedIps },
      hosts: ports
        .filter((p) => p.id !== port.id && p.deviceOwner !== 'network:dhcp')
        .flatMap((p) =>
          p.fixedIps
            .filter((f) => served.has(f.subnetId))
            .map((f) => ({
              macAddress: p.macAddress,
              ipAddress: f.ipAddress,
              hostname: p.dnsName || hostnameOf(f.ipAddress),
              subnetId: f.subnetId,
            })),
        ),
    })
  }
  return { networks: result }
}

/** A router's port: IPv4 addresses first (the gateway's first one is its SNAT address). */
async function routerPort(ctx: NetworkContext, port: Port): Promise<RouterPort> {
  const subnets = await listSubnets(ctx.db, { networkIds: [port.networkId] })
  const network = await getNetwork(ctx.db, port.networkId)
  const mine = port.fixedIps.flatMap((f) => {
    const subnet = subnets.find((s) => s.id === f.subnetId)
    return subnet ? [{ subnet, cidr: `${f.ipAddress}/${prefixOf(subnet.cidr)}` }] : []
  })
  return {
    portId: port.id,
    networkId: port.networkId,
    macAddress: port.macAddress,
    mtu: network?.mtu ?? 1500,
    cidrs: [
      ...mine.filter((m) => m.subnet.ipVersion === 4),
      ...mine.filter((m) => m.subnet.ipVersion === 6),
    ].map((m) => m.cidr),
    advertised: mine
      .filter((m) => m.subnet.ipVersion === 6 && m.subnet.ipv6RaMode)
      .map((m) => ({ cidr: m.subnet.cidr, raMode: m.subnet.ipv6RaMode as string })),
  }
}

/** The routers the L3 agent on `host` hosts; their ports get bound to that host. */
export async function l3StateFor(
  ctx: NetworkContext,
  agents: AgentRegistry,
  host: string,
): Promise<L3State> {
  const all = await listRouters(ctx.db)
  const hosting = await hostingAgents(
    ctx,
    agents,
    'l3',
    all.map((r) => r.id),
  )
  const routers = all.filter((r) => hosting.get(r.id) === host)
  const result: L3Router[] = []
  const externalIds = new Set<string>()
  for (const router of routers) {
    let ports = await listPortRows(ctx.db, { deviceId: router.id })
    for (const port of ports) {
      if (port.hostId !== host) await updatePort(ctx, SYSTEM, port.id, { hostId: host })
    }
    ports = await listPortRows(ctx.db, { deviceId: router.id })
    const interfaces = ports.filter((p) => p.deviceOwner === 'network:router_interface')
    const gwPort = ports.find((p) => p.id === router.gwPortId)
    let gateway: L3Router['gateway'] = null
    if (gwPort) {
      externalIds.add(gwPort.networkId)
      const extSubnets = await listSubnets(ctx.db, { networkIds: [gwPort.networkId] })
      const nexthop =
        extSubnets.find(
          (s) =>
            s.ipVersion === 4 && s.gatewayIp && gwPort.fixedIps.some((f) => f.subnetId === s.id),
        )?.gatewayIp ?? null
      gateway = { ...(await routerPort(ctx, gwPort)), nexthop }
    }
    const fips = await listFloatingIps(ctx.db, { routerId: router.id })
    result.push({
      id: router.id,
      adminStateUp: router.adminStateUp,
      enableSnat: router.enableSnat,
      interfaces: await Promise.all(interfaces.map((p) => routerPort(ctx, p))),
      gateway,
      routes: router.routes,
      floatingIps: fips
        .filter((f) => f.fixedIpAddress && f.portId)
        .map((f) => ({
          floatingIpAddress: f.floatingIpAddress,
          fixedIpAddress: f.fixedIpAddress as string,
        })),
    })
  }
  const external = await listNetworks(ctx.db, { external: true })
  const externalNetworks = []
  for (const network of external) {
    if (!externalIds.has(network.id)) continue
    const subnets = await listSubnets(ctx.db, { networkIds: [network.id] })
    externalNetworks.push({
      id: network.id,
      cidrs: subnets
        .filter((s) => s.ipVersion === 4 && s.gatewayIp)
        .map((s) => `${s.gatewayIp as string}/${prefixOf(s.cidr)}`),
    })
  }
  return { routers: result, externalNetworks }
}
