/** @module network/config: the network service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'

export const networkConfigSpec: ConfigSpec = {
  'network.tenant_network_type': {
    kind: 'enum',
    default: 'vxlan',
    values: ['vxlan', 'local', 'flat', 'vlan'],
    help: 'type of the networks projects create',
  },
  'network.vni_ranges': {
    kind: 'list',
    default: ['1:1000'],
    help: 'VXLAN VNI ranges projects draw from, as min:max',
  },
  'network.vlan_ranges': {
    kind: 'list',
    default: ['physnet1:1000:2999'],
    help: 'VLAN ranges per physical network, as physnet:min:max (the data plane emulates them)',
  },
  'network.flat_networks': {
    kind: 'list',
    default: ['public', 'physnet1'],
    help: 'physical networks flat networks may use',
  },
  'network.physnet_mtu': {
    kind: 'int',
    default: 1500,
    min: 68,
    max: 9216,
    help: 'MTU of the physical networks; VXLAN networks get 50 bytes less',
  },
  'network.mac_base': {
    kind: 'string',
    default: 'fa:16:3e:00:00:00',
    pattern: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/,
    help: 'MAC prefix of generated port MACs (the first three bytes are kept)',
  },
  'network.public_network': {
    kind: 'string',
    default: 'public',
    help: 'name of the external network created on first start (empty: none)',
  },
  'network.public_cidr': {
    kind: 'string',
    default: '172.24.4.0/24',
    pattern: /^[0-9a-fA-F.:]+\/\d{1,3}$/,
    help: 'CIDR of the external network subnet',
  },
  'network.mechanism_driver': {
    kind: 'enum',
    default: 'noop',
    values: ['noop', 'linuxbridge'],
    help: 'mechanism driver binding ports (noop: bind everything, no data plane; linuxbridge: bridges on hosts with a live L2 agent)',
  },
  'network.dataplane': {
    kind: 'enum',
    default: 'none',
    values: ['none', 'linuxbridge'],
    help: 'data plane this process builds (linuxbridge: L2, DHCP and L3 agents on Linux bridges, namespaces, VXLAN, dnsmasq and nftables; needs root); implies the linuxbridge mechanism driver',
  },
  'network.interface_mappings': {
    kind: 'list',
    default: [],
    help: 'physical network to host interface, as physnet:device; flat networks on an unmapped physnet get a bridge without uplink',
  },
  'network.tunnel_ip': {
    kind: 'string',
    default: '',
    pattern: /^[0-9.]*$/,
    help: 'local VXLAN endpoint address (default: the first global IPv4 address of the host)',
  },
  'network.agent_resync_seconds': {
    kind: 'int',
    default: 30,
    min: 1,
    max: 3600,
    help: 'how often agents pull their whole state again and repair the host',
  },
  'network.quota_network': {
    kind: 'int',
    default: 100,
    min: -1,
    max: 1e9,
    help: 'networks per project',
  },
  'network.quota_subnet': {
    kind: 'int',
    default: 100,
    min: -1,
    max: 1e9,
    help: 'subnets per project',
  },
  'network.quota_port': { kind: 'int', default: 500, min: -1, max: 1e9, help: 'ports per project' },
  'network.quota_router': {
    kind: 'int',
    default: 10,
    min: -1,
    max: 1e9,
    help: 'routers per project',
  },
  'network.quota_floatingip': {
    kind: 'int',
    default: 50,
    min: -1,
    max: 1e9,
    help: 'floating IPs per project',
  },
  'network.quota_security_group': {
    kind: 'int',
    default: 10,
    min: -1,
    max: 1e9,
    help: 'security groups per project',
  },
  'network.quota_security_group_rule': {
    kind: 'int',
    default: 100,
    min: -1,
    max: 1e9,
    help: 'security group rules per project',
  },
}

/** The quota resources, in Neutron's names. */
export const QUOTA_RESOURCES = [
  'network',
  'subnet',
  'port',
  'router',
  'floatingip',
  'security_group',
  'security_group_rule',
  'subnetpool',
  'rbac_policy',
] as const
export type QuotaResource = (typeof QUOTA_RESOURCES)[number]

/** Typed settings of the network service. */
export interface NetworkConfig {
  tenantNetworkType: string
  vniRanges: readonly { min: number; max: number }[]
  vlanRanges: readonly { physnet: string; min: number; max: number }[]
  flatNetworks: readonly string[]
  physnetMtu: number
  macBase: string
  publicNetwork: string
  publicCidr: string
  mechanismDriver: 'noop' | 'linuxbridge'
  dataplane: 'none' | 'linuxbridge'
  interfaceMappings: Readonly<Record<string, string>>
  tunnelIp: string
  agentResyncSeconds: number
  quotas: Readonly<Record<QuotaResource, number>>
}

function ranges(values: readonly string[]): { min: number; max: number }[] {
  return values.map((text) => {
    const [min, max] = text.split(':').map(Number)
    if (!Number.isInteger(min) || !Number.isInteger(max) || (min as number) > (max as number)) {
      throw new Error(`network: bad range '${text}' (want min:max)`)
    }
    return { min: min as number, max: max as number }
  })
}

/** Builds the frozen slice from resolved values. */
export function networkConfigFrom(values: ConfigValues): Readonly<NetworkConfig> {
  const list = (key: string) => (values[key] as readonly string[] | undefined) ?? []
  const int = (key: string) => Number(values[key])
  return Object.freeze({
    tenantNetworkType: String(values['network.tenant_network_type']),
    vniRanges: ranges(list('network.vni_ranges')),
    vlanRanges: list('network.vlan_ranges').map((text) => {
      const [physnet = '', rest = ''] = [
        text.slice(0, text.indexOf(':')),
        text.slice(text.indexOf(':') + 1),
      ]
      const [range] = ranges([rest])
      return { physnet, min: range?.min ?? 1, max: range?.max ?? 4094 }
    }),
    flatNetworks: list('network.flat_networks'),
    physnetMtu: int('network.physnet_mtu'),
    macBase: String(values['network.mac_base']),
    publicNetwork: String(values['network.public_network'] ?? ''),
    publicCidr: String(values['network.public_cidr']),
    mechanismDriver:
      values['network.dataplane'] === 'linuxbridge' ||
      values['network.mechanism_driver'] === 'linuxbridge'
        ? 'linuxbridge'
        : 'noop',
    dataplane: values['network.dataplane'] === 'linuxbridge' ? 'linuxbridge' : 'none',
    interfaceMappings: Object.freeze(
      Object.fromEntries(
        list('network.interface_mappings').map((text) => {
          const at = text.indexOf(':')
          if (at <= 0 || at === text.length - 1) {
            throw new Error(`network: bad interface mapping '${text}' (want physnet:device)`)
          }
          return [text.slice(0, at), text.slice(at + 1)]
        }),
      ),
    ),
    tunnelIp: String(values['network.tunnel_ip'] ?? ''),
    agentResyncSeconds: int('network.agent_resync_seconds'),
    quotas: Object.freeze({
      network: int('network.quota_network'),
      subnet: int('network.quota_subnet'),
      port: int('network.quota_port'),
      router: int('network.quota_router'),
      floatingip: int('network.quota_floatingip'),
      security_group: int('network.quota_security_group'),
      security_group_rule: int('network.quota_security_group_rule'),
      subnetpool: -1,
      rbac_policy: -1,
    }),
  })
}
