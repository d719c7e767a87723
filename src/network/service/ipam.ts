/** @module network/service/ipam: picks and records the fixed IPs of a port, safe under concurrency */
import type { Network } from '../db/networks-repo.js'
import {
  allocatedAddresses,
  insertAllocations,
  takenAmong,
  type FixedIp,
} from '../db/ports-repo.js'
import type { Subnet } from '../db/subnets-repo.js'
import {
  IpAddressAlreadyAllocatedError,
  IpAddressGenerationFailureError,
  InvalidInputError,
  InvalidIpForNetworkError,
  InvalidIpForSubnetError,
} from '../errors.js'
import {
  defaultPools,
  freeAddresses,
  parsePools,
  poolsSize,
  type IpRange,
} from '../ipam/allocation-pools.js'
import { eui64Address, formatIp, parseCidr, parseIp } from '../ipam/ip-address.js'
import type { Tx } from './context.js'

/** One entry of a port's `fixed_ips` request. */
export interface FixedIpRequest {
  subnetId?: string
  ipAddress?: string
}

/** SLAAC and DHCPv6-stateless subnets give addresses from the MAC, not from pools. */
export function isAutoAddressSubnet(subnet: Subnet): boolean {
  return (
    subnet.ipVersion === 6 &&
    (subnet.ipv6AddressMode === 'slaac' || subnet.ipv6AddressMode === 'dhcpv6-stateless')
  )
}

function poolsOf(subnet: Subnet): IpRange[] {
  const cidr = parseCidr(subnet.cidr)
  if (!cidr) return []
  if (subnet.allocationPools.length === 0) {
    const gw = subnet.gatewayIp ? parseIp(subnet.gatewayIp)?.value : undefined
    return defaultPools(cidr, gw)
  }
  return parsePools(subnet.ipVersion, subnet.allocationPools).filter((p): p is IpRange => !!p)
}

async function usedSet(tx: Tx, subnet: Subnet): Promise<Set<bigint>> {
  const used = new Set<bigint>()
  for (const text of await allocatedAddresses(tx, subnet.id)) {
    const ip = parseIp(text)
    if (ip) used.add(ip.value)
  }
  const gw = subnet.gatewayIp ? parseIp(subnet.gatewayIp) : undefined
  if (gw) used.add(gw.value)
  return used
}

/** Pools this big are probed at random instead of scanned, so a create costs the same at any fill. */
const PROBE_THRESHOLD = 1024n
const PROBES = 16

function randomIn(pools: readonly IpRange[]): bigint {
  const total = poolsSize(pools)
  let offset = BigInt(Math.floor(Math.random() * Number(total > 2n ** 52n ? 2n ** 52n : total)))
  for (const p of pools) {
    const size = p.end - p.start + 1n
    if (offset < size) return p.start + offset
    offset -= size
  }
  return pools[0]?.start ?? 0n
}

/** A free address of the subnet's pools, or undefined when it is full. */
async function nextFree(
  tx: Tx,
  subnet: Subnet,
  alsoTaken: ReadonlySet<string>,
): Promise<string | undefined> {
  const pools = poolsOf(subnet)
  if (poolsSize(pools) > PROBE_THRESHOLD) {
    const candidates = [
      ...new Set(Array.from({ length: PROBES }, () => formatIp(subnet.ipVersion, randomIn(pools)))),
    ]
    const taken = new Set(await takenAmong(tx, subnet.id, candidates))
    if (subnet.gatewayIp) taken.add(subnet.gatewayIp)
    const free = candidates.find((c) => !taken.has(c) && !alsoTaken.has(c))
    if (free) return free
  }
  const used = await usedSet(tx, subnet)
  for (const text of alsoTaken) {
    const ip = parseIp(text)
    if (ip) used.add(ip.value)
  }
  // A random pick among the first free addresses keeps parallel requests from all racing for one.
  const candidates = freeAddresses(pools, used, 8)
  const pick = candidates[Math.floor(Math.random() * candidates.length)]
  return pick === undefined ? undefined : formatIp(subnet.ipVersion, pick)
}

function eui64For(subnet: Subnet, mac: string): string {
  const cidr = parseCidr(subnet.cidr)
  if (!cidr) throw new InvalidInputError(`subnet ${subnet.id} has a bad cidr`)
  return formatIp(6, eui64Address(cidr, mac))
}

function checkAddressIn(subnet: Subnet, text: string): string {
  const ip = parseIp(text)
  const cidr = parseCidr(subnet.cidr)
  if (
    !ip ||
    !cidr ||
    ip.version !== cidr.version ||
    ip.value < cidr.first ||
    ip.value > cidr.last
  ) {
    throw new InvalidIpForSubnetError(text)
  }
  if (
    cidr.version === 4 &&
    cidr.prefixLength < 31 &&
    (ip.value === cidr.first || ip.value === cidr.last)
  ) {
    throw new InvalidIpForSubnetError(text)
  }
  return formatIp(ip.version, ip.value)
}

/** What the port being addressed is. */
export interface AddressedPort {
  id: string
  networkId: string
  macAddress: string
  deviceOwner: string
}

/**
 * Chooses the fixed IPs of a port and records them in `tx`. Without a request: one address
 * from an IPv4 subnet, one from a stateful IPv6 subnet and one EUI-64 address per SLAAC subnet,
 * as Neutron does. A unique-index violation from a concurrent allocation escapes, so the
 * caller's retrying transaction runs again and picks another address.
 */
export async function allocateFixedIps(
  tx: Tx,
  network: Network,
  subnets: readonly Subnet[],
  port: AddressedPort,
  request: readonly FixedIpRequest[] | undefined,
): Promise<FixedIp[]> {
  const chosen: FixedIp[] = []
  const takenHere = new Set<string>()
  const isRouterPort = port.deviceOwner.startsWith('network:router')
  const add = (subnetId: string, ipAddress: string) => {
    chosen.push({ subnetId, ipAddress })
    takenHere.add(ipAddress)
  }
  if (request === undefined) {
    const v4 = subnets.filter((s) => s.ipVersion === 4)
    const v6Stateful = subnets.filter((s) => s.ipVersion === 6 && !isAutoAddressSubnet(s))
    for (const group of [v4, v6Stateful]) {
      if (group.length === 0) continue
      let done = false
      for (const subnet of group) {
        const ip = await nextFree(tx, subnet, takenHere)
        if (ip) {
          add(subnet.id, ip)
          done = true
          break
        }
      }
      if (!done) throw new IpAddressGenerationFailureError(network.id)
    }
    if (!isRouterPort) {
      for (const subnet of subnets.filter(isAutoAddressSubnet))
        add(subnet.id, eui64For(subnet, port.macAddress))
    }
  } else {
    for (const entry of request) {
      let subnet: Subnet | undefined
      if (entry.subnetId !== undefined) {
        subnet = subnets.find((s) => s.id === entry.subnetId)
        if (!subnet) {
          throw new InvalidInputError(
            `Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${entry.subnetId}.`,
          )
        }
      }
      if (entry.ipAddress !== undefined) {
        if (!subnet) {
          const ip = parseIp(entry.ipAddress)
          subnet = subnets.find((s) => {
            const c = parseCidr(s.cidr)
            return (
              !!ip && !!c && ip.version === c.version && ip.value >= c.first && ip.value <= c.last
            )
          })
          if (!subnet) throw new InvalidIpForNetworkError(entry.ipAddress)
        }
        const ip = checkAddressIn(subnet, entry.ipAddress)
        const used = await allocatedAddresses(tx, subnet.id)
        const isGateway = subnet.gatewayIp === ip && !isRouterPort
        if (used.includes(ip) || takenHere.has(ip) || isGateway) {
          throw new IpAddressAlreadyAllocatedError(ip, subnet.id)
        }
        add(subnet.id, ip)
        continue
      }
      if (!subnet)
        throw new InvalidInputError('fixed_ips entries need a subnet_id or an ip_address')
      if (isAutoAddressSubnet(subnet) && !isRouterPort) {
        add(subnet.id, eui64For(subnet, port.macAddress))
        continue
      }
      const ip = await nextFree(tx, subnet, takenHere)
      if (!ip) throw new IpAddressGenerationFailureError(network.id)
      add(subnet.id, ip)
    }
  }
  await insertAllocations(tx, port, chosen)
  return chosen
}
