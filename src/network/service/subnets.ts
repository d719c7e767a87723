/** @module network/service/subnets: subnet use cases: CIDR, gateway and pool checks, prefix allocation */
import { ForbiddenError } from '../../core/errors/index.js'
import { getSubnetPool, listSubnetPools, type SubnetPool } from '../db/policies-repo.js'
import { portsOnSubnet } from '../db/ports-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import {
  deleteSubnet as removeSubnet,
  insertSubnet,
  listSubnets as listSubnetRows,
  updateSubnet as writeSubnet,
  type HostRoute,
  type Subnet,
} from '../db/subnets-repo.js'
import {
  GatewayConflictWithAllocationPoolsError,
  InvalidAllocationPoolError,
  InvalidInputError,
  OutOfBoundsAllocationPoolError,
  OverlappingAllocationPoolsError,
  SubnetAllocationError,
  SubnetInUseError,
  SubnetNotFoundError,
  SubnetPoolNotFoundError,
} from '../errors.js'
import { checkPools, defaultPools, parsePools, poolText } from '../ipam/allocation-pools.js'
import {
  cidrsOverlap,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  type Cidr,
} from '../ipam/ip-address.js'
import { now, retryingTransaction, type Caller, type NetworkContext, type Tx } from './context.js'
import { checkQuota } from './quotas.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'
import { isAutoAddressSubnet } from './ipam.js'
import { sharedNetworkIds, visibleNetwork } from './visibility.js'

const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless']

export interface SubnetInput {
  networkId: string
  projectId?: string
  name?: string
  description?: string
  ipVersion: 4 | 6
  cidr?: string
  prefixlen?: number
  subnetpoolId?: string | null
  useDefaultSubnetpool?: boolean
  /** Undefined: the first host address; null: no gateway. */
  gatewayIp?: string | null
  allocationPools?: { start: string; end: string }[]
  dnsNameservers?: string[]
  hostRoutes?: HostRoute[]
  enableDhcp?: boolean
  ipv6RaMode?: string | null
  ipv6AddressMode?: string | null
  serviceTypes?: string[]
  tags?: string[]
}

function checkIpv6Modes(
  input: Pick<SubnetInput, 'ipVersion' | 'ipv6RaMode' | 'ipv6AddressMode'>,
): void {
  const ra = input.ipv6RaMode ?? null
  const addr = input.ipv6AddressMode ?? null
  if ((ra !== null || addr !== null) && input.ipVersion !== 6) {
    throw new InvalidInputError(
      'ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or ip_version is 4.',
    )
  }
  for (const mode of [ra, addr]) {
    if (mode !== null && !IPV6_MODES.includes(mode))
      throw new InvalidInputError(`'${mode}' is not a valid IPv6 mode`)
  }
  if (ra !== null && addr !== null && ra !== addr) {
    throw new InvalidInputError(
      `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid. If both attributes are set, they must be the same value`,
    )
  }
}

function checkGateway(cidr: Cidr, gateway: string): string {
  const ip = parseIp(gateway)
  if (!ip || ip.version !== cidr.version)
    throw new InvalidInputError(`'${gateway}' is not a valid IP address`)
  const bcast = cidr.version === 4 && cidr.prefixLength < 31 && ip.value === cidr.last
  if (
    ip.value < cidr.first ||
    ip.value > cidr.last ||
    bcast ||
    (cidr.version === 4 && cidr.prefixLength < 31 && ip.value === cidr.first)
  ) {
    throw new InvalidInputError(`Gateway is not valid on subnet`)
  }
  return formatIp(ip.version, ip.value)
}

function checkNameservers(list: readonly string[]): string[] {
  const out: string[] = []
  for (const text of list) {
    const ip = parseIp(text)
    if (!ip) throw new InvalidInputError(`'${text}' is not a valid nameserver.`)
    const canonical = formatIp(ip.version, ip.value)
    if (out.includes(canonical)) throw new InvalidInputError(`Duplicate nameserver '${text}'.`)
    out.push(canonical)
  }
  return out
}

function checkRoutes(version: 4 | 6, routes: readonly HostRoute[]): HostRoute[] {
  return routes.map((r) => {
    const dest = parseCidr(r.destination)
    const hop = parseIp(r.nexthop)
    if (!dest || !hop || dest.version !== version || hop.version !== version) {
      throw new InvalidInputError(`Invalid host route ${JSON.stringify(r)}.`)
    }
    return { destination: formatCidr(dest), nexthop: formatIp(hop.version, hop.value) }
  })
}

/** Pools of a subnet: checked when given, else made around the gateway. */
function resolvePools(
  cidr: Cidr,
  gateway: string | null,
  given?: { start: string; end: string }[],
) {
  const gw = gateway ? parseIp(gateway)?.value : undefined
  if (!given) return defaultPools(cidr, gw).map((p) => poolRange(cidr, p))
  const parsed = parsePools(cidr.version, given)
  const problem = checkPools(cidr, parsed, gw)
  const text = formatCidr(cidr)
  if (problem?.kind === 'invalid') throw new InvalidAllocationPoolError(problem.pool)
  if (problem?.kind === 'out-of-bounds')
    throw new OutOfBoundsAllocationPoolError(problem.pool, text)
  if (problem?.kind === 'overlap')
    throw new OverlappingAllocationPoolsError(problem.pool, problem.other, text)
  if (problem?.kind === 'gateway-conflict') {
    throw new GatewayConflictWithAllocationPoolsError(gateway ?? '', problem.pool)
  }
  return parsed.map((p) => poolRange(cidr, p as { start: bigint; end: bigint }))
}

function poolRange(cidr: Cidr, p: { start: bigint; end: bigint }) {
  return { start: formatIp(cidr.version, p.start), end: formatIp(cidr.version, p.end) }
}

/** A free prefix of `prefixlen` from a pool, avoiding the pool's other subnets. */
async function allocatePrefix(tx: Tx, pool: SubnetPool, prefixlen: number): Promise<Cidr> {
  if (prefixlen < pool.minPrefixlen || prefixlen > pool.maxPrefixlen) {
    throw new SubnetAllocationError(
      `prefixlen ${prefixlen} is outside ${pool.minPrefixlen}..${pool.maxPrefixlen}`,
    )
  }
  const taken = (await listSubnetRows(tx, { subnetpoolId: pool.id }))
    .map((s) => parseCidr(s.cidr))
    .filter((c): c is Cidr => !!c)
  const bits = pool.ipVersion === 4 ? 32 : 128
  const step = 1n << BigInt(bits - prefixlen)
  for (const text of pool.prefixes) {
    const prefix = parseCidr(text)
    if (!prefix || prefix.prefixLength > prefixlen) continue
    for (let first = prefix.first; first + step - 1n <= prefix.last; first += step) {
      const candidate: Cidr = {
        version: prefix.version,
        prefixLength: prefixlen,
        first,
        last: first + step - 1n,
      }
      if (!taken.some((t) => cidrsOverlap(t, candidate))) return candidate
    }
  }
  throw new SubnetAllocationError('Insufficient prefix space to allocate subnet size')
}

async function poolFor(
  ctx: NetworkContext,
  tx: Tx,
  input: SubnetInput,
): Promise<SubnetPool | undefined> {
  if (input.subnetpoolId) {
    const pool = await getSubnetPool(tx, input.subnetpoolId)
    if (!pool) throw new SubnetPoolNotFoundError(input.subnetpoolId)
    return pool
  }
  if (input.useDefaultSubnetpool || (!input.cidr && input.subnetpoolId === undefined)) {
    const [pool] = await listSubnetPools(tx, { isDefault: true, ipVersion: input.ipVersion })
    if (!pool && !input.cidr)
      throw new InvalidInputError('a cidr must be provided in the absence of a subnet pool')
    return pool
  }
  return undefined
}

export async function createSubnet(
  ctx: NetworkContext,
  caller: Caller,
  input: SubnetInput,
): Promise<Subnet> {
  checkIpv6Modes(input)
  const { network, access } = await visibleNetwork(ctx, caller, input.networkId)
  if (!access.owner) throw new ForbiddenError('Only the network owner may add subnets.')
  return retryingTransaction(ctx, async (tx) => {
    const projectId = input.projectId ?? caller.projectId
    await checkQuota(ctx, tx, projectId, 'subnet')
    const pool = await poolFor(ctx, tx, input)
    let cidr: Cidr | undefined
    if (input.cidr) {
      cidr = parseCidr(input.cidr, { strict: true })
      if (!cidr) {
        const loose = parseCidr(input.cidr)
        throw new InvalidInputError(
          loose
            ? `'${input.cidr}' isn't a recognized IP subnet cidr, '${formatCidr(loose)}' is recommended`
            : `'${input.cidr}' is not a valid IP subnet`,
        )
      }
      if (
        pool &&
        !pool.prefixes.some((p) => {
          const c = parseCidr(p)
          return !!c && cidr && c.first <= cidr.first && cidr.last <= c.last
        })
      ) {
        throw new SubnetAllocationError(
          `Cidr ${input.cidr} is not within the subnet pool's prefixes`,
        )
      }
    } else if (pool) {
      cidr = await allocatePrefix(tx, pool, input.prefixlen ?? pool.defaultPrefixlen)
    } else {
      throw new InvalidInputError('a cidr must be provided in the absence of a subnet pool')
    }
    if (cidr.version !== input.ipVersion) {
      throw new InvalidInputError(
        `Cidr ${formatCidr(cidr)} does not match ip_version ${input.ipVersion}`,
      )
    }
    const cidrText = formatCidr(cidr)
    const others = await listSubnetRows(tx, { networkIds: [network.id] })
    if (
      others.some((s) => {
        const c = parseCidr(s.cidr)
        return !!c && cidrsOverlap(c, cidr as Cidr)
      })
    ) {
      throw new InvalidInputError(
        `Requested subnet with cidr: ${cidrText} for network: ${network.id} overlaps with another subnet`,
      )
    }
    const gatewayIp =
      input.gatewayIp === null
        ? null
        : input.gatewayIp === undefined
          ? formatIp(cidr.version, cidr.first + 1n)
          : checkGateway(cidr, input.gatewayIp)
    const at = now(ctx)
    const subnet: Subnet = {
      id: ctx.ids.uuid(),
      projectId,
      name: input.name ?? '',
      description: input.description ?? '',
      revisionNumber: 0,
      createdAt: at,
      updatedAt: at,
      tags: input.tags ?? [],
      networkId: network.id,
      ipVersion: input.ipVersion,
      cidr: cidrText,
      gatewayIp,
      enableDhcp: input.enableDhcp ?? true,
      ipv6RaMode: input.ipv6RaMode ?? null,
      ipv6AddressMode: input.ipv6AddressMode ?? null,
      subnetpoolId: pool?.id ?? null,
      allocationPools: resolvePools(cidr, gatewayIp, input.allocationPools),
      dnsNameservers: checkNameservers(input.dnsNameservers ?? []),
      hostRoutes: checkRoutes(input.ipVersion, input.hostRoutes ?? []),
      serviceTypes: input.serviceTypes ?? [],
    }
    await insertSubnet(tx, subnet)
    await setTags(tx, subnet.id, subnet.tags)
    const state = {
      id: subnet.id,
      networkId: subnet.networkId,
      cidr: subnet.cidr,
      ipVersion: subnet.ipVersion,
      gatewayIp,
      enableDhcp: subnet.enableDhcp,
    }
    for (const d of ctx.drivers) await d.subnetPrecommit?.({ kind: 'create', current: state })
    return subnet
  })
}

/** The subnets a caller sees: its own and those on networks shared with it. */
export async function listSubnets(
  ctx: NetworkContext,
  caller: Caller,
  sql: { ids?: string[]; networkIds?: string[] } = {},
): Promise<Subnet[]> {
  if (caller.isAdmin) return listSubnetRows(ctx.db, sql)
  const shared = await sharedNetworkIds(ctx, caller)
  return listSubnetRows(ctx.db, {
    ...sql,
    visibleTo: { projectId: caller.projectId, networkIds: shared },
  })
}

export async function getSubnet(ctx: NetworkContext, caller: Caller, id: string): Promise<Subnet> {
  const [subnet] = await listSubnets(ctx, caller, { ids: [id] })
  if (!subnet) throw new SubnetNotFoundError(id)
  return subnet
}

export interface SubnetUpdate {
  name?: string
  description?: string
  gatewayIp?: string | null
  dnsNameservers?: string[]
  hostRoutes?: HostRoute[]
  enableDhcp?: boolean
  allocationPools?: { start: string; end: string }[]
}

export async function updateSubnet(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: SubnetUpdate,
  ifMatch?: number,
): Promise<Subnet> {
  const subnet = await getSubnet(ctx, caller, id)
  if (!caller.isAdmin && subnet.projectId !== caller.projectId) throw new ForbiddenError()
  checkRevision(subnet, ifMatch)
  const cidr = parseCidr(subnet.cidr) as Cidr
  const changes: Partial<Subnet> = {}
  if (update.name !== undefined) changes.name = update.name
  if (update.description !== undefined) changes.description = update.description
  if (update.enableDhcp !== undefined) changes.enableDhcp = update.enableDhcp
  if (update.dnsNameservers !== undefined)
    changes.dnsNameservers = checkNameservers(update.dnsNameservers)
  if (update.hostRoutes !== undefined)
    changes.hostRoutes = checkRoutes(subnet.ipVersion, update.hostRoutes)
  const gateway =
    update.gatewayIp === undefined
      ? subnet.gatewayIp
      : update.gatewayIp === null
        ? null
        : checkGateway(cidr, update.gatewayIp)
  if (update.gatewayIp !== undefined) changes.gatewayIp = gateway
  if (update.allocationPools !== undefined) {
    changes.allocationPools = resolvePools(cidr, gateway, update.allocationPools)
  } else if (update.gatewayIp !== undefined && gateway) {
    const gw = parseIp(gateway)?.value
    const pools = parsePools(cidr.version, subnet.allocationPools)
    const hit = pools.find((p) => p && gw !== undefined && gw >= p.start && gw <= p.end)
    if (hit) throw new GatewayConflictWithAllocationPoolsError(gateway, poolText(cidr.version, hit))
  }
  const next = bumped(ctx, subnet, changes)
  assertWritten(await writeSubnet(ctx.db, next, subnet.revisionNumber), 'Subnet')
  return next
}

/** Device owners whose addresses are released with the subnet instead of keeping it in use. */
const RELEASED_WITH_SUBNET = new Set(['network:dhcp'])

export async function deleteSubnet(ctx: NetworkContext, caller: Caller, id: string): Promise<void> {
  const subnet = await getSubnet(ctx, caller, id)
  if (!caller.isAdmin && subnet.projectId !== caller.projectId) throw new ForbiddenError()
  await ctx.db.transaction().execute(async (tx) => {
    const users = await portsOnSubnet(tx, id)
    // SLAAC addresses come from the MAC, so Neutron drops them with their subnet.
    const auto = isAutoAddressSubnet(subnet)
    const blocking = users.filter(
      (u) =>
        !RELEASED_WITH_SUBNET.has(u.deviceOwner) &&
        !(auto && !u.deviceOwner.startsWith('network:router')),
    )
    if (blocking.length > 0) throw new SubnetInUseError(id)
    await tx.deleteFrom('ip_allocation').where('subnet_id', '=', id).execute()
    await removeSubnet(tx, id)
    await dropTags(tx, id)
  })
}
