/** @module network/service/ip-availability: used and total addresses per network and subnet */
import { listNetworks } from '../db/networks-repo.js'
import { countAllocations } from '../db/ports-repo.js'
import { listSubnets } from '../db/subnets-repo.js'
import { NetworkNotFoundError } from '../errors.js'
import { parsePools, poolsSize, type IpRange } from '../ipam/allocation-pools.js'
import type { NetworkContext } from './context.js'

export interface SubnetAvailability {
  subnetId: string
  subnetName: string
  cidr: string
  ipVersion: number
  usedIps: number
  totalIps: number
}

export interface NetworkAvailability {
  networkId: string
  networkName: string
  projectId: string
  usedIps: number
  totalIps: number
  subnets: SubnetAvailability[]
}

export async function ipAvailability(
  ctx: NetworkContext,
  networkId?: string,
): Promise<NetworkAvailability[]> {
  const networks = await listNetworks(ctx.db, networkId ? { ids: [networkId] } : {})
  if (networkId && networks.length === 0) throw new NetworkNotFoundError(networkId)
  const subnets = await listSubnets(ctx.db, { networkIds: networks.map((n) => n.id) })
  const used = await countAllocations(
    ctx.db,
    subnets.map((s) => s.id),
  )
  return networks.map((n) => {
    const own = subnets.filter((s) => s.networkId === n.id)
    const rows = own.map((s) => {
      const pools = parsePools(s.ipVersion, s.allocationPools).filter((p): p is IpRange => !!p)
      const total = poolsSize(pools)
      return {
        subnetId: s.id,
        subnetName: s.name,
        cidr: s.cidr,
        ipVersion: s.ipVersion,
        usedIps: used.get(s.id) ?? 0,
        totalIps: total > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(total),
      }
    })
    return {
      networkId: n.id,
      networkName: n.name,
      projectId: n.projectId,
      usedIps: rows.reduce((a, r) => a + r.usedIps, 0),
      totalIps: Math.min(
        Number.MAX_SAFE_INTEGER,
        rows.reduce((a, r) => a + r.totalIps, 0),
      ),
      subnets: rows,
    }
  })
}
