/** @module clients/network-client: the Networking API as the compute service uses it */
import { NotFoundError } from '../core/errors/index.js'
import { createFloatingIpClient, type FloatingIpClient } from './floating-ip-client.js'
import { restCall, type RestEndpoint } from './rest-client.js'
import { staticTokenSource } from './service-token.js'

/** A port as the compute service needs it. */
export interface NetPort {
  id: string
  networkId: string
  projectId: string
  macAddress: string
  fixedIps: { subnetId: string; ipAddress: string }[]
  deviceId: string
  deviceOwner: string
  hostId: string
  status: string
  securityGroups: string[]
}

/** A network as the compute service needs it. */
export interface NetNetwork {
  id: string
  name: string
  projectId: string
  shared: boolean
  external: boolean
  subnets: string[]
  mtu: number | null
}

/** A subnet as the metadata service needs it (network_data.json). */
export interface NetSubnet {
  id: string
  networkId: string
  ipVersion: 4 | 6
  cidr: string
  gatewayIp: string | null
  dnsNameservers: string[]
  hostRoutes: { destination: string; nexthop: string }[]
  enableDhcp: boolean
  ipv6AddressMode: string | null
}

/** A floating IP bound to a port. */
export interface NetFloatingIp {
  id: string
  floatingIpAddress: string
  fixedIpAddress: string | null
  portId: string | null
}

type Json = Record<string, unknown>

function portFrom(p: Json): NetPort {
  return {
    id: String(p['id']),
    networkId: String(p['network_id']),
    projectId: String(p['project_id'] ?? p['tenant_id'] ?? ''),
    macAddress: String(p['mac_address']),
    fixedIps: ((p['fixed_ips'] as Json[] | undefined) ?? []).map((f) => ({
      subnetId: String(f['subnet_id']),
      ipAddress: String(f['ip_address']),
    })),
    deviceId: String(p['device_id'] ?? ''),
    deviceOwner: String(p['device_owner'] ?? ''),
    hostId: String(p['binding:host_id'] ?? ''),
    status: String(p['status'] ?? ''),
    securityGroups: (p['security_groups'] as string[] | undefined) ?? [],
  }
}

function networkFrom(n: Json): NetNetwork {
  return {
    id: String(n['id']),
    name: String(n['name']),
    projectId: String(n['project_id'] ?? n['tenant_id'] ?? ''),
    shared: n['shared'] === true,
    external: n['router:external'] === true,
    subnets: (n['subnets'] as string[] | undefined) ?? [],
    mtu: typeof n['mtu'] === 'number' ? n['mtu'] : null,
  }
}

function subnetFrom(s: Json): NetSubnet {
  return {
    id: String(s['id']),
    networkId: String(s['network_id']),
    ipVersion: s['ip_version'] === 6 ? 6 : 4,
    cidr: String(s['cidr']),
    gatewayIp: (s['gateway_ip'] as string | null | undefined) ?? null,
    dnsNameservers: (s['dns_nameservers'] as string[] | undefined) ?? [],
    hostRoutes: (s['host_routes'] as { destination: string; nexthop: string }[] | undefined) ?? [],
    enableDhcp: s['enable_dhcp'] === true,
    ipv6AddressMode: (s['ipv6_address_mode'] as string | null | undefined) ?? null,
  }
}

/** What a port for a server is created with. */
export interface PortRequest {
  networkId: string
  projectId: string
  deviceId: string
  hostId: string
  fixedIp?: string
  securityGroups?: string[]
}

/** The Networking API client. */
export interface NetworkClient {
  getNetwork(id: string): Promise<NetNetwork | undefined>
  /** Networks a project may attach to: its own and shared ones, not external ones. */
  networksFor(projectId: string): Promise<NetNetwork[]>
  getPort(id: string): Promise<NetPort | undefined>
  createPort(request: PortRequest): Promise<NetPort>
  /** Binds an existing port to a server on a host. */
  bindPort(id: string, deviceId: string, hostId: string): Promise<NetPort>
  /** Releases a pre-existing port from a server (it is kept). */
  unbindPort(id: string): Promise<void>
  /** Deletes a port; a port already gone is not an error. */
  deletePort(id: string): Promise<void>
  portsOfDevice(deviceId: string): Promise<NetPort[]>
  floatingIpsOfPorts(portIds: readonly string[]): Promise<NetFloatingIp[]>
  /** The ids of the project's groups by name or id; throws NotFoundError naming one that is not. */
  securityGroupIds(projectId: string, names: readonly string[]): Promise<string[]>
  /** Subnets by id; ones that are gone are left out. */
  subnetsOf(ids: readonly string[]): Promise<NetSubnet[]>
  /** Ports of a network owned by its DHCP service. */
  dhcpPortsOf(networkId: string): Promise<NetPort[]>
  /** Floating IPs as the caller whose token is given (Nova's os-floating-ips proxy). */
  floatingIpsAs(token: string): FloatingIpClient
}

export function createNetworkClient(endpoint: RestEndpoint): NetworkClient {
  return {
    floatingIpsAs: (token) =>
      createFloatingIpClient({ ...endpoint, tokens: staticTokenSource(token) }),
    async getNetwork(id) {
      const r = await restCall(endpoint, 'GET', `/networks/${encodeURIComponent(id)}`, {
        allow: [404],
      })
      return r.status === 404 ? undefined : networkFrom((r.body as { network: Json }).network)
    },
    async networksFor(projectId) {
      const r = await restCall(endpoint, 'GET', '/networks')
      return (r.body as { networks: Json[] }).networks
        .map(networkFrom)
        .filter((n) => !n.external && (n.shared || n.projectId === projectId))
    },
    async getPort(id) {
      const r = await restCall(endpoint, 'GET', `/ports/${encodeURIComponent(id)}`, {
        allow: [404],
      })
      return r.status === 404 ? undefined : portFrom((r.body as { port: Json }).port)
    },
    async createPort(request) {
      const r = await restCall(endpoint, 'POST', '/ports', {
        body: {
          port: {
            network_id: request.networkId,
            project_id: request.projectId,
            device_id: request.deviceId,
            device_owner: 'compute:nova',
            'binding:host_id': request.hostId,
            ...(request.fixedIp ? { fixed_ips: [{ ip_address: request.fixedIp }] } : {}),
            ...(request.securityGroups ? { security_groups: request.securityGroups } : {}),
          },
        },
      })
      return portFrom((r.body as { port: Json }).port)
    },
    async bindPort(id, deviceId, hostId) {
      const r = await restCall(endpoint, 'PUT', `/ports/${encodeURIComponent(id)}`, {
        body: {
          port: { device_id: deviceId, device_owner: 'compute:nova', 'binding:host_id': hostId },
        },
      })
      return portFrom((r.body as { port: Json }).port)
    },
    async unbindPort(id) {
      await restCall(endpoint, 'PUT', `/ports/${encodeURIComponent(id)}`, {
        body: { port: { device_id: '', device_owner: '', 'binding:host_id': '' } },
        allow: [404],
      })
    },
    async deletePort(id) {
      await restCall(endpoint, 'DELETE', `/ports/${encodeURIComponent(id)}`, { allow: [404] })
    },
    async portsOfDevice(deviceId) {
      const r = await restCall(endpoint, 'GET', `/ports?device_id=${encodeURIComponent(deviceId)}`)
      return (r.body as { ports: Json[] }).ports.map(portFrom)
    },
    async floatingIpsOfPorts(portIds) {
      if (portIds.length === 0) return []
      const query = portIds.map((id) => `port_id=${encodeURIComponent(id)}`).join('&')
      const r = await restCall(endpoint, 'GET', `/floatingips?${query}`)
      return (r.body as { floatingips: Json[] }).floatingips.map((f) => ({
        id: String(f['id']),
        floatingIpAddress: String(f['floating_ip_address']),
        fixedIpAddress: (f['fixed_ip_address'] as string | null) ?? null,
        portId: (f['port_id'] as string | null) ?? null,
      }))
    },
    async subnetsOf(ids) {
      if (ids.length === 0) return []
      const query = ids.map((id) => `id=${encodeURIComponent(id)}`).join('&')
      const r = await restCall(endpoint, 'GET', `/subnets?${query}`)
      return (r.body as { subnets: Json[] }).subnets.map(subnetFrom)
    },
    async dhcpPortsOf(networkId) {
      const query = `network_id=${encodeURIComponent(networkId)}&device_owner=network%3Adhcp`
      const r = await restCall(endpoint, 'GET', `/ports?${query}`)
      return (r.body as { ports: Json[] }).ports.map(portFrom)
    },
    async securityGroupIds(projectId, names) {
      if (names.length === 0) return []
      const r = await restCall(
        endpoint,
        'GET',
        `/security-groups?project_id=${encodeURIComponent(projectId)}`,
      )
      const groups = (r.body as { security_groups: Json[] }).security_groups
      return names.map((name) => {
        const found = groups.find((g) => g['name'] === name || g['id'] === name)
        if (!found) throw new NotFoundError(`Security group ${name} not found.`)
        return String(found['id'])
      })
    },
  }
}
