/** @module network/db/schema: the network database's tables as Kysely sees them */

/** Columns every Neutron resource with standard attributes has. */
interface StandardColumns {
  id: string
  project_id: string
  name: string
  description: string
  revision_number: number
  created_at: string
  updated_at: string
}

export interface NetworkTable extends StandardColumns {
  status: string
  admin_state_up: number
  shared: number
  external: number
  mtu: number
  network_type: string
  physical_network: string | null
  segmentation_id: number | null
  port_security_enabled: number
  /** JSON list of availability zone names. */
  availability_zone_hints: string
  is_default: number
}

/** One taken segment (`vxlan:1001`, `flat:public`), unique so two networks never share one. */
export interface SegmentAllocationTable {
  segment_key: string
  network_id: string
}

export interface SubnetTable extends StandardColumns {
  network_id: string
  ip_version: number
  cidr: string
  gateway_ip: string | null
  enable_dhcp: number
  ipv6_ra_mode: string | null
  ipv6_address_mode: string | null
  subnetpool_id: string | null
  /** JSON `[{start, end}]`. */
  allocation_pools: string
  /** JSON list, in the order given. */
  dns_nameservers: string
  /** JSON `[{destination, nexthop}]`. */
  host_routes: string
  service_types: string
}

/** One address of one port; unique on (subnet_id, ip_address) so no address is handed out twice. */
export interface IpAllocationTable {
  port_id: string
  network_id: string
  subnet_id: string
  ip_address: string
}

export interface PortTable extends StandardColumns {
  network_id: string
  mac_address: string
  admin_state_up: number
  status: string
  device_id: string
  device_owner: string
  binding_host_id: string
  binding_vif_type: string
  binding_vnic_type: string
  binding_profile: string
  binding_vif_details: string
  port_security_enabled: number
  /** JSON `[{ip_address, mac_address}]`. */
  allowed_address_pairs: string
  extra_dhcp_opts: string
  dns_name: string
}

export interface PortSecurityGroupTable {
  port_id: string
  security_group_id: string
}

export interface RouterTable extends StandardColumns {
  status: string
  admin_state_up: number
  gw_network_id: string | null
  gw_port_id: string | null
  enable_snat: number
  /** JSON `[{destination, nexthop}]`. */
  routes: string
  availability_zone_hints: string
}

export interface FloatingIpTable extends StandardColumns {
  floating_network_id: string
  floating_ip_address: string
  floating_port_id: string
  port_id: string | null
  fixed_ip_address: string | null
  router_id: string | null
  status: string
}

export interface SecurityGroupTable extends StandardColumns {
  stateful: number
}

/** The `default` group of each project; the primary key makes its creation race-free. */
export interface DefaultSecurityGroupTable {
  project_id: string
  security_group_id: string
}

export interface SecurityGroupRuleTable {
  id: string
  project_id: string
  security_group_id: string
  description: string
  direction: string
  ethertype: string
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
  /** What makes a rule a duplicate of another, unique within the group. */
  fingerprint: string
  revision_number: number
  created_at: string
  updated_at: string
}

export interface SubnetPoolTable extends StandardColumns {
  ip_version: number
  /** JSON list of CIDRs. */
  prefixes: string
  default_prefixlen: number
  min_prefixlen: number
  max_prefixlen: number
  shared: number
  is_default: number
  default_quota: number | null
  address_scope_id: string | null
}

export interface RbacPolicyTable {
  id: string
  project_id: string
  object_type: string
  object_id: string
  action: string
  target_project: string
}

export interface QuotaTable {
  project_id: string
  resource: string
  hard_limit: number
}

export interface TagTable {
  resource_id: string
  tag: string
}

/** An agent's administrative settings, kept across restarts of the server and the agent. */
export interface AgentTable {
  agent_type: string
  host: string
  admin_state_up: number
  description: string | null
  created_at: string
}

/** The host whose DHCP or L3 agent serves a network or router. */
export interface AgentBindingTable {
  agent_type: string
  resource_id: string
  host: string
}

/** The whole network database. */
export interface NetworkDatabase {
  network: NetworkTable
  segment_allocation: SegmentAllocationTable
  subnet: SubnetTable
  ip_allocation: IpAllocationTable
  port: PortTable
  port_security_group: PortSecurityGroupTable
  router: RouterTable
  floating_ip: FloatingIpTable
  security_group: SecurityGroupTable
  default_security_group: DefaultSecurityGroupTable
  security_group_rule: SecurityGroupRuleTable
  subnet_pool: SubnetPoolTable
  rbac_policy: RbacPolicyTable
  quota: QuotaTable
  resource_tag: TagTable
  agent: AgentTable
  agent_binding: AgentBindingTable
}
