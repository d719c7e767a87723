/** @module network/agents/l2/security-rules: security groups and anti-spoofing of this host's ports as nftables tables */
import { bridgeName, tapName } from '../../rpc/device-names.js'
import { renderChains, type NftChains } from '../../../core/sys/nft.js'
import type { L2State, SecurityRule } from '../../rpc/payloads.js'

/**
 * The agent's tables: `inet nimbus-sg-<host>` filters bridged IPv4 and IPv6 statefully (br_netfilter
 * with conntrack), `bridge nimbus-spoof-<host>` checks source MACs and addresses on the taps.
 * Per host, so agents of several clouds on one machine never replace each other's rules.
 */
export function tableNames(host: string): { filter: string; spoof: string } {
  const tag = host.replace(/[^A-Za-z0-9_-]/g, '_')
  return { filter: `nimbus-sg-${tag}`, spoof: `nimbus-spoof-${tag}` }
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'icmpv6',
  'ipv6-icmp': 'icmpv6',
}

/** The ICMPv6 messages neighbour discovery and multicast listeners need, allowed as Neutron does. */
const ICMPV6_ESSENTIALS =
  'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report }'

function chainId(portId: string): string {
  return portId.slice(0, 11)
}

type Family = 'ip' | 'ip6'

function familyOf(address: string): Family {
  return address.includes(':') ? 'ip6' : 'ip'
}

/** The protocol part of a rule in `family`, '' for any, undefined when it cannot match there. */
function protocolMatch(rule: SecurityRule, family: Family): string | undefined {
  const raw = rule.protocol === null || rule.protocol === 'any' ? null : rule.protocol
  if (raw === null) return ''
  let name = PROTOCOL_NAMES[raw] ?? raw
  // Neutron reads icmp in an IPv6 rule as ICMPv6; ICMPv6 never matches IPv4
  if (name === 'icmp' && family === 'ip6') name = 'icmpv6'
  if (name === 'icmpv6' && family === 'ip') return undefined
  if (name === 'tcp' || name === 'udp') {
    if (rule.portRangeMin === null) return `meta l4proto ${name}`
    const max = rule.portRangeMax ?? rule.portRangeMin
    const range = max === rule.portRangeMin ? `${max}` : `${rule.portRangeMin}-${max}`
    return `${name} dport ${range}`
  }
  if (name === 'icmp' || name === 'icmpv6') {
    if (rule.portRangeMin === null) return `meta l4proto ${name === 'icmp' ? 'icmp' : 'ipv6-icmp'}`
    const code = rule.portRangeMax === null ? '' : ` ${name} code ${rule.portRangeMax}`
    return `${name} type ${rule.portRangeMin}${code}`
  }
  if (/^\d+$/.test(name) || /^[a-z][a-z0-9-]*$/.test(name)) return `meta l4proto ${name}`
  return undefined
}

/** One rule as nft statements, or nothing when it cannot match (an empty remote group). */
function ruleLines(rule: SecurityRule, members: Readonly<Record<string, string[]>>): string[] {
  const family: Family = rule.ethertype === 'IPv6' ? 'ip6' : 'ip'
  const proto = protocolMatch(rule, family)
  if (proto === undefined) return []
  const peer = rule.direction === 'ingress' ? 'saddr' : 'daddr'
  // an address match implies the family; without one, say it (both families share the chains)
  let match = `meta nfproto ${family === 'ip' ? 'ipv4' : 'ipv6'}`
  if (rule.remoteGroupId) {
    const ips = (members[rule.remoteGroupId] ?? []).filter((ip) => familyOf(ip) === family)
    if (ips.length === 0) return []
    match = `${family} ${peer} { ${ips.join(', ')} }`
  } else if (
    rule.remoteIpPrefix &&
    rule.remoteIpPrefix !== '0.0.0.0/0' &&
    rule.remoteIpPrefix !== '::/0'
  ) {
    match = `${family} ${peer} ${rule.remoteIpPrefix}`
  }
  return [`${match} ${proto} return`.replace(/\s+/g, ' ').trim()]
}

/**
 * The stateful table: established and related flows pass, neighbour discovery passes, DHCP and
 * DHCPv6 to and from the port pass, then each filtered port's ingress and egress rules, and
 * everything else to or from its addresses is dropped. An allowing rule returns rather than
 * accepts, so a packet between two filtered ports passes the sender's egress and the receiver's
 * ingress rules both. Ports are told apart by their network's bridge and their addresses (which
 * the spoofing table guarantees), IPv6 link-local ones included.
 */
export function filterChains(state: L2State): NftChains {
  const dispatch: string[] = []
  const chains: [string, string[]][] = []
  for (const port of state.ports) {
    if (!port.filtered) continue
    const id = chainId(port.id)
    const bridge = bridgeName(port.networkId)
    const rules = port.securityGroups.flatMap((g) => state.securityGroups[g] ?? [])
    for (const address of port.addresses) {
      const family = familyOf(address)
      dispatch.push(`oifname "${bridge}" ${family} daddr ${address} jump in-${id}`)
      dispatch.push(`iifname "${bridge}" ${family} saddr ${address} jump out-${id}`)
    }
    const ingress = rules
      .filter((r) => r.direction === 'ingress')
      .flatMap((r) => ruleLines(r, state.groupMembers))
    const egress = rules
      .filter((r) => r.direction === 'egress')
      .flatMap((r) => ruleLines(r, state.groupMembers))
    chains.push(
      [
        `in-${id}`,
        [
          'meta nfproto ipv4 udp sport 67 udp dport 68 return',
          'meta nfproto ipv6 udp sport 547 udp dport 546 return',
          ...ingress,
          'drop',
        ],
      ],
      [
        `out-${id}`,
        [
          'meta nfproto ipv4 udp sport 68 udp dport 67 return',
          'meta nfproto ipv6 udp sport 546 udp dport 547 return',
          ...egress,
          'drop',
        ],
      ],
    )
  }
  return new Map([
    [
      'forward',
      [
        'type filter hook forward priority 0; policy accept',
        'ct state established,related accept',
        // conntrack calls neighbour discovery invalid: let it through before that verdict
        `${ICMPV6_ESSENTIALS} accept`,
        'ct state invalid drop',
        ...dispatch,
      ],
    ],
    ...chains,
  ])
}

/** The stateful table's body as text ({@link filterChains}). */
export function filterTable(state: L2State): string {
  return renderChains(filterChains(state))
}

/**
 * The anti-spoofing table: a filtered port's tap sends only from its MACs and addresses (and
 * the unspecified address for DHCP, duplicate address detection and MLD), and never sends
 * router advertisements or DHCPv6 answers.
 */
export function spoofChains(state: L2State): NftChains {
  const dispatch: string[] = []
  const chains: [string, string[]][] = []
  for (const port of state.ports) {
    if (!port.filtered) continue
    const id = chainId(port.id)
    dispatch.push(`iifname "${tapName(port.id)}" jump spoof-${id}`)
    chains.push(
      [
        `spoof-${id}`,
        [...port.macs.map((mac) => `ether saddr ${mac} jump spoof-ip-${id}`), 'drop'],
      ],
      [
        `spoof-ip-${id}`,
        [
          'ether type arp accept',
          'ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept',
          ...port.addresses.filter((a) => familyOf(a) === 'ip').map((a) => `ip saddr ${a} accept`),
          'ether type ip drop',
          'icmpv6 type nd-router-advert drop',
          'ether type ip6 udp sport 547 drop',
          'ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld-listener-report, mld2-listener-report } accept',
          ...port.addresses
            .filter((a) => familyOf(a) === 'ip6')
            .map((a) => `ip6 saddr ${a} accept`),
          'ether type ip6 drop',
          'accept',
        ],
      ],
    )
  }
  return new Map([
    ['forward', ['type filter hook forward priority -10; policy accept', ...dispatch]],
    ...chains,
  ])
}

/** The anti-spoofing table's body as text ({@link spoofChains}). */
export function spoofTable(state: L2State): string {
  return renderChains(spoofChains(state))
}
