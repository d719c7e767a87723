/** @module network/service/security-group-rules: rule validation in Neutron's words, and duplicate fingerprints */
import { SecurityGroupRuleInvalidError } from '../errors.js'
import { formatCidr, parseCidr } from '../ipam/ip-address.js'

/** What a caller asks for in a rule. */
export interface RuleInput {
  securityGroupId: string
  projectId?: string
  description?: string
  direction: string
  ethertype?: string
  protocol?: string | number | null
  portRangeMin?: number | null
  portRangeMax?: number | null
  remoteIpPrefix?: string | null
  remoteGroupId?: string | null
}

/** IANA protocol numbers of the names Neutron accepts. */
const PROTOCOLS: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
}
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136])
const ICMP_PROTOCOLS = new Set([1, 58])

function invalid(message: string): SecurityGroupRuleInvalidError {
  return new SecurityGroupRuleInvalidError(message)
}

function protocolOf(value: string | number | null | undefined): {
  text: string | null
  number: number | null
} {
  if (value === null || value === undefined || value === '' || value === 'any')
    return { text: null, number: null }
  const text = String(value).toLowerCase()
  const named = PROTOCOLS[text]
  if (named !== undefined) return { text, number: named }
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255)
    return { text: String(Number(text)), number: Number(text) }
  throw invalid(
    `Security group rule protocol ${String(value)} not supported. Only protocol values [None, ${Object.keys(PROTOCOLS).join(', ')}] and integer representations [0 to 255] are supported.`,
  )
}

function checkPorts(protocol: number | null, min: number | null, max: number | null): void {
  for (const port of [min, max]) {
    if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw invalid(`Invalid value for port ${port}.`)
    }
  }
  if (protocol === null) {
    if (min !== null || max !== null)
      throw invalid('Must also specify protocol if port range is given.')
    return
  }
  if (PORT_PROTOCOLS.has(protocol)) {
    if (min === 0 || max === 0) throw invalid('Invalid value for port 0.')
    if (min === null && max === null) return
    if (min === null || max === null || min > max) {
      throw invalid('For TCP/UDP protocols, port_range_min must be <= port_range_max')
    }
    return
  }
  if (ICMP_PROTOCOLS.has(protocol)) {
    for (const [value, field, attr] of [
      [min, 'type', 'port_range_min'],
      [max, 'code', 'port_range_max'],
    ] as const) {
      if (value !== null && (value < 0 || value > 255)) {
        throw invalid(`Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`)
      }
    }
    if (min === null && max !== null) {
      throw invalid(
        `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`,
      )
    }
  }
}

/** A rule's checked, normalized attributes and the fingerprint duplicates share. */
export function normalizeRule(input: Omit<RuleInput, 'description' | 'projectId'>) {
  const direction = input.direction
  if (direction !== 'ingress' && direction !== 'egress') {
    throw invalid(
      `Invalid input for direction. Reason: '${direction}' is not in ['ingress', 'egress'].`,
    )
  }
  const ethertypeText = (input.ethertype ?? 'IPv4').toLowerCase()
  if (ethertypeText !== 'ipv4' && ethertypeText !== 'ipv6') {
    throw invalid(
      `Invalid input for ethertype. Reason: '${input.ethertype ?? ''}' is not in ['IPv4', 'IPv6'].`,
    )
  }
  const ethertype = ethertypeText === 'ipv4' ? 'IPv4' : 'IPv6'
  const protocol = protocolOf(input.protocol)
  const min = input.portRangeMin ?? null
  const max = input.portRangeMax ?? null
  checkPorts(protocol.number, min, max)
  let remoteIpPrefix: string | null = null
  if (input.remoteIpPrefix !== undefined && input.remoteIpPrefix !== null) {
    const cidr = parseCidr(input.remoteIpPrefix)
    if (!cidr) {
      throw invalid(
        `Invalid input for remote_ip_prefix. Reason: '${input.remoteIpPrefix}' is not a valid IP subnet.`,
      )
    }
    if ((cidr.version === 4) !== (ethertype === 'IPv4')) {
      throw invalid(`Conflicting value ethertype ${ethertype} for CIDR ${input.remoteIpPrefix}`)
    }
    remoteIpPrefix = formatCidr(cidr)
  }
  const remoteGroupId = input.remoteGroupId ?? null
  if (remoteIpPrefix !== null && remoteGroupId !== null) {
    throw invalid('Only remote_ip_prefix or remote_group_id may be provided.')
  }
  const anyPrefix = remoteIpPrefix === '0.0.0.0/0' || remoteIpPrefix === '::/0'
  const fingerprint = [
    direction,
    ethertype,
    protocol.number ?? '',
    min ?? '',
    max ?? '',
    anyPrefix ? '' : (remoteIpPrefix ?? ''),
    remoteGroupId ?? '',
  ].join('|')
  return {
    direction,
    ethertype,
    protocol: protocol.text,
    portRangeMin: min,
    portRangeMax: max,
    remoteIpPrefix,
    remoteGroupId,
    fingerprint,
  }
}
