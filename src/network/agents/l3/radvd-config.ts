/** @module network/agents/l3/radvd-config: the radvd configuration of one router namespace */
import { routerInterfaceName } from '../../rpc/device-names.js'
import type { L3Router } from '../../rpc/payloads.js'

/** Neutron's advertisement intervals (min_rtr_adv_interval, max_rtr_adv_interval), seconds. */
const MIN_INTERVAL = 30
const MAX_INTERVAL = 100

/**
 * radvd's configuration for a router's internal interfaces that carry IPv6 subnets with an
 * `ipv6_ra_mode`, as Neutron writes it: SLAAC and DHCPv6-stateless prefixes are autonomous,
 * stateful ones are not and set the managed flag, stateless ones set the other-config flag;
 * the link MTU is the network's. Undefined when the router advertises nothing.
 */
export function radvdConfig(router: L3Router): string | undefined {
  const blocks: string[] = []
  for (const port of router.interfaces) {
    if (port.advertised.length === 0) continue
    const modes = new Set(port.advertised.map((a) => a.raMode))
    const lines = [
      `interface ${routerInterfaceName(port.portId)}`,
      '{',
      '  AdvSendAdvert on;',
      `  MinRtrAdvInterval ${MIN_INTERVAL};`,
      `  MaxRtrAdvInterval ${MAX_INTERVAL};`,
      `  AdvLinkMTU ${port.mtu};`,
      ...(modes.has('dhcpv6-stateless') ? ['  AdvOtherConfigFlag on;'] : []),
      ...(modes.has('dhcpv6-stateful') ? ['  AdvManagedFlag on;'] : []),
    ]
    for (const prefix of port.advertised) {
      const autonomous = prefix.raMode === 'dhcpv6-stateful' ? 'off' : 'on'
      lines.push(
        `  prefix ${prefix.cidr}`,
        '  {',
        '    AdvOnLink on;',
        `    AdvAutonomous ${autonomous};`,
        '  };',
      )
    }
    lines.push('};')
    blocks.push(lines.join('\n'))
  }
  return blocks.length > 0 ? `${blocks.join('\n')}\n` : undefined
}
