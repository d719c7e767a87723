/** @module network/api/views: resources in Neutron's wire format */
import type { AgentInfo } from '../service/agents.js'
import type { FloatingIpDetails } from '../service/floating-ips.js'
import type {
  Network,
  Port,
  RbacPolicy,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  SubnetPool,
} from '../service/types.js'
import type { RouterDetails } from '../service/routers.js'

type Wire = Record<string, unknown>

/** What a view may show: admin-only attributes are left out for others. */
export interface ViewScope {
  isAdmin: boolean
}

function standard(r: {
  id: string
  projectId: string
  name?: string
  description: string
  revisionNumber: number
  createdAt: string
  updatedAt: string
  tags?: string[]
}): Wire {
  return {
    id: r.id,
    ...(r.name !== undefined ? { name: r.name } : {}),
    description: r.description,
    tenant_id: r.projectId,
    project_id: r.projectId,
    revision_number: r.revisionNumber,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ...(r.tags !== undefined ? { tags: r.tags } : {}),
  }
}

export function networkView(
  n: Network,
  extra: { subnets: string[]; shared: boolean },
  scope: ViewScope,
): Wire {
  return {
    ...standard(n),
    status: n.status,
    admin_state_up: n.adminStateUp,
    shared: extra.shared,
    'router:external': n.external,
    mtu: n.mtu,
    subnets: extra.subnets,
    port_security_enabled: n.portSecurityEnabled,
    availability_zone_hints: n.availabilityZoneHints,
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    l2_adjacency: true,
    ...(n.external ? { is_default: n.isDefault } : {}),
    ...(scope.isAdmin
      ? {
          'provider:network_type': n.networkType,
          'provider:physical_network': n.physicalNetwork,
          'provider:segmentation_id': n.segmentationId,
        }
      : {}),
  }
}

export function subnetView(s: Subnet): Wire {
  return {
    ...standard(s),
    network_id: s.networkId,
    ip_version: s.ipVersion,
    cidr: s.cidr,
    gateway_ip: s.gatewayIp,
    enable_dhcp: s.enableDhcp,
    ipv6_ra_mode: s.ipv6RaMode,
    ipv6_address_mode: s.ipv6AddressMode,
    subnetpool_id: s.subnetpoolId,
    allocation_pools: s.allocationPools,
    dns_nameservers: s.dnsNameservers,
    host_routes: s.hostRoutes,
    service_types: s.serviceTypes,
    segment_id: null,
  }
}

export function portView(p: Port, scope: ViewScope): Wire {
  return {
    ...standard(p),
    network_id: p.networkId,
    mac_address: p.macAddress,
    admin_state_up: p.adminStateUp,
    status: p.status,
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    security_groups: p.securityGroups,
    port_security_enabled: p.portSecurityEnabled,
    allowed_address_pairs: p.allowedAddressPairs,
    extra_dhcp_opts: p.extraDhcpOpts,
    dns_name: p.dnsName,
    'binding:vnic_type': p.vnicType,
    ...(scope.isAdmin
      ? {
          'binding:host_id': p.hostId,
          'binding:profile': p.profile,
          'binding:vif_type': p.vifType,
          'binding:vif_details': p.vifDetails,
        }
      : {}),
  }
}

export function routerView(d: RouterDetails, scope: ViewScope): Wire {
  const r = d.router
  return {
    ...standard(r),
    status: r.status,
    admin_state_up: r.adminStateUp,
    external_gateway_info: r.gwNetworkId
      ? {
          network_id: r.gwNetworkId,
          enable_snat: r.enableSnat,
          external_fixed_ips: d.gatewayIps.map((f) => ({
            subnet_id: f.subnetId,
            ip_address: f.ipAddress,
          })),
        }
      : null,
    routes: r.routes,
    availability_zone_hints: r.availabilityZoneHints,
    availability_zones: ['nova'],
    flavor_id: null,
    ...(scope.isAdmin ? { distributed: false, ha: false } : {}),
  }
}

export function floatingIpView(d: FloatingIpDetails): Wire {
  const f = d.fip
  const { name: _name, ...base } = standard(f)
  return {
    ...base,
    floating_network_id: f.floatingNetworkId,
    floating_ip_address: f.floatingIpAddress,
    port_id: f.portId,
    fixed_ip_address: f.fixedIpAddress,
    router_id: f.routerId,
    status: f.status,
    qos_policy_id: null,
    port_forwardings: [],
    port_details: d.port
      ? {
          name: d.port.name,
          network_id: d.port.networkId,
          mac_address: d.port.macAddress,
          admin_state_up: d.port.adminStateUp,
          status: d.port.status,
          device_id: d.port.deviceId,
          device_owner: d.port.deviceOwner,
        }
      : null,
  }
}

export function ruleView(r: SecurityGroupRule): Wire {
  return {
    id: r.id,
    tenant_id: r.projectId,
    project_id: r.projectId,
    security_group_id: r.securityGroupId,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.portRangeMin,
    port_range_max: r.portRangeMax,
    remote_ip_prefix: r.remoteIpPrefix,
    normalized_cidr: r.remoteIpPrefix,
    remote_group_id: r.remoteGroupId,
    remote_address_group_id: null,
    description: r.description,
    revision_number: r.revisionNumber,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }
}

export function securityGroupView(g: SecurityGroup, rules: SecurityGroupRule[]): Wire {
  return {
    ...standard(g),
    stateful: g.stateful,
    shared: false,
    security_group_rules: rules.map(ruleView),
  }
}

export function subnetPoolView(p: SubnetPool): Wire {
  return {
    ...standard(p),
    ip_version: p.ipVersion,
    prefixes: p.prefixes,
    default_prefixlen: p.defaultPrefixlen,
    min_prefixlen: p.minPrefixlen,
    max_prefixlen: p.maxPrefixlen,
    shared: p.shared,
    is_default: p.isDefault,
    default_quota: p.defaultQuota,
    address_scope_id: p.addressScopeId,
  }
}

export function rbacView(p: RbacPolicy): Wire {
  return {
    id: p.id,
    tenant_id: p.projectId,
    project_id: p.projectId,
    object_type: p.objectType,
    object_id: p.objectId,
    action: p.action,
    target_tenant: p.targetProject,
    target_project: p.targetProject,
  }
}

const AGENT_WIRE = {
  l2: { agentType: 'Linux bridge agent', topic: 'N/A', zone: null },
  dhcp: { agentType: 'DHCP agent', topic: 'dhcp_agent', zone: 'nova' },
  l3: { agentType: 'L3 agent', topic: 'l3_agent', zone: 'nova' },
  metadata: { agentType: 'Metadata agent', topic: 'N/A', zone: null },
} as const

/** Agent timestamps as Neutron shows them: `2026-01-01 12:00:00`. */
function agentTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

export function agentView(agent: AgentInfo): Wire {
  const wire = AGENT_WIRE[agent.agentType]
  return {
    id: agent.id,
    agent_type: wire.agentType,
    binary: agent.binary,
    topic: wire.topic,
    host: agent.host,
    availability_zone: wire.zone,
    admin_state_up: agent.adminStateUp,
    alive: agent.alive,
    description: agent.description,
    configurations: agent.configurations,
    created_at: agentTime(agent.createdAt),
    started_at: agentTime(agent.startedAt),
    heartbeat_timestamp: agentTime(agent.heartbeatAt),
    resources_synced: null,
  }
}
