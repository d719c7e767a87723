/** @module network/ipam/allocation-pools: pool defaults, validation and free-address search */
import { formatIp, parseIp, type Cidr, type IpVersion } from './ip-address.js'

/** An inclusive range of addresses of one family. */
export interface IpRange {
  start: bigint
  end: bigint
}

/** Why a set of pools was refused, for the caller to turn into its error. */
export type PoolProblem =
  | { kind: 'invalid'; pool: string }
  | { kind: 'out-of-bounds'; pool: string }
  | { kind: 'overlap'; pool: string; other: string }
  | { kind: 'gateway-conflict'; pool: string }

/** The first and last addresses hosts may take (v4 leaves out network and broadcast). */
export function usableBounds(cidr: Cidr): IpRange {
  if (cidr.first === cidr.last) return { start: cidr.first, end: cidr.last }
  if (cidr.version === 4 && cidr.prefixLength >= 31) return { start: cidr.first, end: cidr.last }
  return { start: cidr.first + 1n, end: cidr.version === 4 ? cidr.last - 1n : cidr.last }
}

/** The pools Neutron makes when none are given: the usable range around the gateway. */
export function defaultPools(cidr: Cidr, gateway: bigint | undefined): IpRange[] {
  const { start, end } = usableBounds(cidr)
  if (start > end) return []
  if (gateway === undefined || gateway < start || gateway > end) return [{ start, end }]
  const pools: IpRange[] = []
  if (gateway > start) pools.push({ start, end: gateway - 1n })
  if (gateway < end) pools.push({ start: gateway + 1n, end })
  return pools
}

/** `start-end` text of a pool, for messages. */
export function poolText(version: IpVersion, pool: IpRange): string {
  return `${formatIp(version, pool.start)}-${formatIp(version, pool.end)}`
}

/** Parses `{start, end}` pools; undefined entries mean malformed addresses. */
export function parsePools(
  version: IpVersion,
  pools: readonly { start: string; end: string }[],
): (IpRange | undefined)[] {
  return pools.map((p) => {
    const start = parseIp(p.start)
    const end = parseIp(p.end)
    if (!start || !end || start.version !== version || end.version !== version) return undefined
    return { start: start.value, end: end.value }
  })
}

/** Checks given pools against the subnet; returns the first problem or undefined. */
export function checkPools(
  cidr: Cidr,
  pools: readonly (IpRange | undefined)[],
  gateway: bigint | undefined,
): PoolProblem | undefined {
  const bounds = usableBounds(cidr)
  const valid: IpRange[] = []
  for (const [index, pool] of pools.entries()) {
    if (!pool || pool.start > pool.end) return { kind: 'invalid', pool: `#${index + 1}` }
    const text = poolText(cidr.version, pool)
    if (pool.start < bounds.start || pool.end > bounds.end)
      return { kind: 'out-of-bounds', pool: text }
    const other = valid.find((v) => v.start <= pool.end && pool.start <= v.end)
    if (other) return { kind: 'overlap', pool: text, other: poolText(cidr.version, other) }
    if (gateway !== undefined && gateway >= pool.start && gateway <= pool.end) {
      return { kind: 'gateway-conflict', pool: text }
    }
    valid.push(pool)
  }
  return undefined
}

/** Whether an address lies in one of the pools. */
export function inPools(pools: readonly IpRange[], value: bigint): boolean {
  return pools.some((p) => value >= p.start && value <= p.end)
}

/** The number of addresses in the pools. */
export function poolsSize(pools: readonly IpRange[]): bigint {
  return pools.reduce((n, p) => n + (p.end - p.start + 1n), 0n)
}

/**
 * Up to `count` free addresses of the pools in ascending order, skipping `used`.
 * Walks only as far as needed, so a /64 costs as little as a /28.
 */
export function freeAddresses(
  pools: readonly IpRange[],
  used: ReadonlySet<bigint>,
  count: number,
): bigint[] {
  const found: bigint[] = []
  const ordered = [...pools].sort((a, b) => (a.start < b.start ? -1 : 1))
  for (const pool of ordered) {
    for (let v = pool.start; v <= pool.end && found.length < count; v++) {
      if (!used.has(v)) found.push(v)
    }
    if (found.length >= count) break
  }
  return found
}
