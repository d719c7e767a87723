/** @module network/rpc/payloads: what the network server and its agents send each other, checked on receipt */
import type { AgentType } from './contracts.js'
import { isAgentType } from './contracts.js'

/** A heartbeat. */
export interface AgentReport {
  host: string
  agentType: AgentType
  /** `nimbus-l2-agent`, ... */
  binary: string
  /** L2: `tunnelIp` ('' without VXLAN), `interfaceMappings` (physnet -> device). */
  configurations: Record<string, unknown>
}

/** A network as an L2 agent builds it. */
export interface L2Network {
  id: string
  networkType: string
  physicalNetwork: string | null
  segmentationId: number | null
  mtu: number
  /** VTEPs of the other hosts with ports on this network (VXLAN only). */
  peers: string[]
}

/** A port bound to the agent's host. */
export interface L2Port {
  id: string
  networkId: string
  macAddress: string
  adminStateUp: boolean
  /** Security groups and anti-spoofing apply (port security on, not a `network:` port). */
  filtered: boolean
  /**
   * The addresses it may send from: fixed IPs and allowed address pairs (may be CIDRs), IPv4
   * and IPv6, with the IPv6 link-local address of each of its MACs.
   */
  addresses: string[]
  /** MACs it may send from: its own and those of allowed address pairs. */
  macs: string[]
  securityGroups: string[]
}

/** One security group rule as the data plane applies it. */
export interface SecurityRule {
  direction: 'ingress' | 'egress'
  ethertype: 'IPv4' | 'IPv6'
  /** `tcp`, `udp`, `icmp`, `ipv6-icmp`, a protocol number, or null for any. */
  protocol: string | null
  portRangeMin: number | null
  portRangeMax: number | null
  remoteIpPrefix: string | null
  remoteGroupId: string | null
}

/** Everything an L2 agent's host should have. */
export interface L2State {
  networks: L2Network[]
  ports: L2Port[]
  /** The rules of every group a filtered port on the host is in. */
  securityGroups: Record<string, SecurityRule[]>
  /** The addresses of the ports in each group a rule names as its remote group. */
  groupMembers: Record<string, string[]>
}

/** One subnet a DHCP server hands out addresses on. */
export interface DhcpSubnet {
  id: string
  cidr: string
  ipVersion: 4 | 6
  /** Who sends router advertisements (IPv6): `slaac`, `dhcpv6-stateful`, `dhcpv6-stateless`. */
  ipv6RaMode: string | null
  /** How IPv6 hosts get addresses: the same three modes, or null (stateful DHCPv6). */
  ipv6AddressMode: string | null
  /** A router has an interface on the subnet (and advertises it when `ipv6RaMode` is set). */
  routed: boolean
  gatewayIp: string | null
  dnsNameservers: string[]
  hostRoutes: { destination: string; nexthop: string }[]
}

/** One network a DHCP agent serves. */
export interface DhcpNetwork {
  id: string
  mtu: number
  subnets: DhcpSubnet[]
  /** The network:dhcp port the namespace plugs (its MAC and addresses). */
  port: { id: string; macAddress: string; fixedIps: { subnetId: string; ipAddress: string }[] }
  /** Every other port with an address DHCP hands out (IPv4, stateful IPv6): MAC -> IP and host name. */
  hosts: { macAddress: string; ipAddress: string; hostname: string; subnetId: string }[]
}

/** An interface of a router (a subnet it routes, or its gateway). */
export interface RouterPort {
  portId: string
  networkId: string
  macAddress: string
  /** `10.0.0.1/24`, `fd00::1/64` */
  cidrs: string[]
  mtu: number
  /** The IPv6 subnets the router advertises on this interface (those with an `ipv6_ra_mode`). */
  advertised: { cidr: string; raMode: string }[]
}

/** One router an L3 agent hosts. */
export interface L3Router {
  id: string
  adminStateUp: boolean
  enableSnat: boolean
  interfaces: RouterPort[]
  gateway: (RouterPort & { nexthop: string | null }) | null
  routes: { destination: string; nexthop: string }[]
  floatingIps: { floatingIpAddress: string; fixedIpAddress: string }[]
}

/** An external network the host's bridge gives reach to (as DevStack's br-ex). */
export interface ExternalNetwork {
  id: string
  /** The gateway addresses of its subnets, with prefix: they go on the host's bridge. */
  cidrs: string[]
}

/** What an L3 agent should host. */
export interface L3State {
  routers: L3Router[]
  externalNetworks: ExternalNetwork[]
}

/** A malformed RPC payload. */
export class BadPayloadError extends Error {
  readonly status = 400
  constructor(what: string) {
    super(`bad payload: ${what}`)
    this.name = 'BadPayloadError'
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadPayloadError(`${what} must be an object`)
  }
  return value as Record<string, unknown>
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 255) {
    throw new BadPayloadError(`${what} must be a non-empty string`)
  }
  return value
}

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new BadPayloadError(`${what} must be a list of strings`)
  }
  return value as string[]
}

/** Checks a heartbeat. */
export function parseAgentReport(payload: unknown): AgentReport {
  const body = record(payload, 'report')
  if (!isAgentType(body['agentType'])) throw new BadPayloadError('unknown agentType')
  return {
    host: text(body['host'], 'host'),
    agentType: body['agentType'],
    binary: text(body['binary'], 'binary'),
    configurations: record(body['configurations'] ?? {}, 'configurations'),
  }
}

/** Checks a `{ host }` request. */
export function parseHostRequest(payload: unknown): { host: string } {
  return { host: text(record(payload, 'request')['host'], 'host') }
}

/** Checks a device status report. */
export function parseDeviceStatus(payload: unknown): {
  host: string
  up: string[]
  down: string[]
} {
  const body = record(payload, 'status')
  return {
    host: text(body['host'], 'host'),
    up: strings(body['up'] ?? [], 'up'),
    down: strings(body['down'] ?? [], 'down'),
  }
}
