/** @module network/ipam/ip-address: IPv4/IPv6 addresses and CIDRs as bigints, formatted as netaddr does */

/** An address family. */
export type IpVersion = 4 | 6

/** One parsed address. */
export interface IpAddress {
  version: IpVersion
  value: bigint
}

/** A parsed CIDR: `first` is the network address, `last` the broadcast (or last v6) address. */
export interface Cidr {
  version: IpVersion
  prefixLength: number
  first: bigint
  last: bigint
}

const V4_BITS = 32
const V6_BITS = 128

/** The number of bits of an address family. */
export function bitsOf(version: IpVersion): number {
  return version === 4 ? V4_BITS : V6_BITS
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    value = (value << 8n) | BigInt(n)
  }
  return value
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return []
  const groups: number[] = []
  for (const group of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    groups.push(parseInt(group, 16))
  }
  return groups
}

function parseV6(text: string): bigint | undefined {
  let body = text
  const lastColon = body.lastIndexOf(':')
  if (body.includes('.')) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) becomes two hex groups.
    const v4 = parseV4(body.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    const high = (v4 >> 16n).toString(16)
    const low = (v4 & 0xffffn).toString(16)
    body = `${body.slice(0, lastColon + 1)}${high}:${low}`
  }
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const head = parseGroups(halves[0] ?? '')
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : []
  if (!head || !rest) return undefined
  const given = head.length + rest.length
  let groups: number[]
  if (halves.length === 2) {
    if (given > 7) return undefined
    groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest]
  } else {
    if (given !== 8) return undefined
    groups = head
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
}

/** Parses an address, or returns undefined when `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return undefined
  if (text.includes(':')) {
    const value = parseV6(text)
    return value === undefined ? undefined : { version: 6, value }
  }
  const value = parseV4(text)
  return value === undefined ? undefined : { version: 4, value }
}

/** The canonical text of an address: dotted quad, or RFC 5952 compressed lowercase IPv6. */
export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.')
  }
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn))
  let bestStart = -1
  let bestLength = 0
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestLength < 2) return hex.join(':')
  const left = hex.slice(0, bestStart).join(':')
  const right = hex.slice(bestStart + bestLength).join(':')
  return `${left}::${right}`
}

/** Canonical text of an address given as text; undefined when it is not an address. */
export function normalizeIp(text: string): string | undefined {
  const ip = parseIp(text)
  return ip ? formatIp(ip.version, ip.value) : undefined
}

function mask(version: IpVersion, prefixLength: number): bigint {
  const bits = BigInt(bitsOf(version))
  const hostBits = bits - BigInt(prefixLength)
  return ((1n << bits) - 1n) ^ ((1n << hostBits) - 1n)
}

/** Parses `addr/len` (or a bare address as a host route); `strict` refuses host bits. */
export function parseCidr(text: string, options: { strict?: boolean } = {}): Cidr | undefined {
  if (typeof text !== 'string') return undefined
  const slash = text.indexOf('/')
  const address = parseIp(slash < 0 ? text : text.slice(0, slash))
  if (!address) return undefined
  const bits = bitsOf(address.version)
  let prefixLength = bits
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1)
    if (!/^\d{1,3}$/.test(lengthText)) return undefined
    prefixLength = Number(lengthText)
    if (prefixLength > bits) return undefined
  }
  const m = mask(address.version, prefixLength)
  const first = address.value & m
  if (options.strict && first !== address.value) return undefined
  const last = first | (((1n << BigInt(bits)) - 1n) ^ m)
  return { version: address.version, prefixLength, first, last }
}

/** The canonical text of a CIDR (`10.0.0.0/24`, `2001:db8::/64`). */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.version, cidr.first)}/${cidr.prefixLength}`
}

/** Whether `value` lies within `cidr`. */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return ip.version === cidr.version && ip.value >= cidr.first && ip.value <= cidr.last
}

/** Whether two CIDRs share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.first <= b.last && b.first <= a.last
}

/** The number of addresses of a CIDR. */
export function cidrSize(cidr: Cidr): bigint {
  return cidr.last - cidr.first + 1n
}

/** The IPv6 address a SLAAC host with `mac` takes in a /64 `prefix` (modified EUI-64). */
export function eui64Address(prefix: Cidr, mac: string): bigint {
  const bytes = mac.split(':').map((b) => parseInt(b, 16))
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = bytes
  const iid = [b0 ^ 0x02, b1, b2, 0xff, 0xfe, b3, b4, b5].reduce(
    (acc, b) => (acc << 8n) | BigInt(b),
    0n,
  )
  return (prefix.first & ~((1n << 64n) - 1n)) | iid
}

/** Whether `text` is a MAC address in the colon form Neutron accepts. */
export function isMacAddress(text: string): boolean {
  return /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(text)
}

/** A MAC address in lowercase colon form. */
export function normalizeMac(text: string): string {
  return text.toLowerCase().replace(/-/g, ':')
}
