/** @module network/agents/l2/security-rules: security groups and anti-spoofing of this host's ports as nftables tables */
import { bridgeName, tapName } from '../../rpc/device-names.js'
import type { L2State, SecurityRule } from '../../rpc/payloads.js'

/**
 * The agent's tables: `inet nimbus-sg-<host>` filters bridged IPv4 statefully (br_netfilter
 * with conntrack), `bridge nimbus-spoof-<host>` checks source MACs and addresses on the taps.
 * Per host, so agents of several clouds on one machine never replace each other's rules.
 */
export function tableNames(host: string): { filter: string; spoof: string } {
  const tag = host.replace(/[^A-Za-z0-9_-]/g, '_')
  return { filter: `nimbus-sg-${tag}`, spoof: `nimbus-spoof-${tag}` }
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '1': 'icmp', '6': 'tcp', '17': 'udp' }

function chainId(portId: string): string {
  return portId.slice(0, 11)
}

function protocolMatch(rule: SecurityRule): string | undefined {
  const raw = rule.protocol === null || rule.protocol === 'any' ? null : rule.protocol
  if (raw === null) return ''
  const name = PROTOCOL_NAMES[raw] ?? raw
  if (name === 'tcp' || name === 'udp') {
    if (rule.portRangeMin === null) return `meta l4proto ${name}`
    const max = rule.portRangeMax ?? rule.portRangeMin
    const range = max === rule.portRangeMin ? `${max}` : `${rule.portRangeMin}-${max}`
    return `${name} dport ${range}`
  }
  if (name === 'icmp') {
    if (rule.portRangeMin === null) return 'meta l4proto icmp'
    const code = rule.portRangeMax === null ? '' : ` icmp code ${rule.portRangeMax}`
    return `icmp type ${rule.portRangeMin}${code}`
  }
  if (/^\d+$/.test(name)) return `meta l4proto ${name}`
  if (/^[a-z][a-z0-9-]*$/.test(name) && name !== 'icmpv6' && name !== 'ipv6-icmp') {
    return `meta l4proto ${name}`
  }
  // IPv6-only protocols never match IPv4 traffic
  return undefined
}

/** One rule as nft statements, or nothing when it cannot match (an empty remote group). */
function ruleLines(rule: SecurityRule, members: Readonly<Record<string, string[]>>): string[] {
  const proto = protocolMatch(rule)
  if (proto === undefined) return []
  const peer = rule.direction === 'ingress' ? 'saddr' : 'daddr'
  let remote = ''
  if (rule.remoteGroupId) {
    const ips = members[rule.remoteGroupId] ?? []
    if (ips.length === 0) return []
    remote = `ip ${peer} { ${ips.join(', ')} } `
  } else if (rule.remoteIpPrefix && rule.remoteIpPrefix !== '0.0.0.0/0') {
    remote = `ip ${peer} ${rule.remoteIpPrefix} `
  }
  return [`${remote}${proto} return`.replace(/\s+/g, ' ').trim()]
}

/**
 * The stateful table: established and related flows pass, DHCP to and from the port passes,
 * then each filtered port's ingress and egress rules, and everything else to or from its
 * addresses is dropped. An allowing rule returns rather than accepts, so a packet between two
 * filtered ports passes the sender's egress and the receiver's ingress rules both. Ports are told apart by their network's bridge and their addresses
 * (which the spoofing table guarantees).
 */
export function filterTable(state: L2State): string {
  const dispatch: string[] = []
  const chains: string[] = []
  for (const port of state.ports) {
    if (!port.filtered) continue
    const id = chainId(port.id)
    const bridge = bridgeName(port.networkId)
    const rules = port.securityGroups.flatMap((g) => state.securityGroups[g] ?? [])
    for (const address of port.addresses) {
      dispatch.push(`oifname "${bridge}" ip daddr ${address} jump in-${id}`)
      dispatch.push(`iifname "${bridge}" ip saddr ${address} jump out-${id}`)
    }
    const ingress = rules
      .filter((r) => r.direction === 'ingress')
      .flatMap((r) => ruleLines(r, state.groupMembers))
    const egress = rules
      .filter((r) => r.direction === 'egress')
      .flatMap((r) => ruleLines(r, state.groupMembers))
    chains.push(
      chain(`in-${id}`, ['udp sport 67 udp dport 68 return', ...ingress, 'drop']),
      chain(`out-${id}`, ['udp sport 68 udp dport 67 return', ...egress, 'drop']),
    )
  }
  return [
    chain('forward', [
      'type filter hook forward priority 0; policy accept',
      'ct state established,related accept',
      'ct state invalid drop',
      ...dispatch,
    ]),
    ...chains,
  ].join('\n')
}

/** The anti-spoofing table: a filtered port's tap sends only from its MACs and addresses. */
export function spoofTable(state: L2State): string {
  const dispatch: string[] = []
  const chains: string[] = []
  for (const port of state.ports) {
    if (!port.filtered) continue
    const id = chainId(port.id)
    dispatch.push(`iifname "${tapName(port.id)}" jump spoof-${id}`)
    chains.push(
      chain(`spoof-${id}`, [
        ...port.macs.map((mac) => `ether saddr ${mac} jump spoof-ip-${id}`),
        'drop',
      ]),
      chain(`spoof-ip-${id}`, [
        'ether type arp accept',
        'ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept',
        ...port.addresses.map((a) => `ip saddr ${a} accept`),
        'ether type ip drop',
        // IPv6 has no addresses on the data plane yet: nothing to spoof
        'accept',
      ]),
    )
  }
  return [
    chain('forward', ['type filter hook forward priority -10; policy accept', ...dispatch]),
    ...chains,
  ].join('\n')
}

function chain(name: string, lines: string[]): string {
  return [`  chain ${name} {`, ...lines.map((l) => `    ${l}`), '  }'].join('\n')
}
