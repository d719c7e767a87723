/** @module network/db/subnets-repo: subnets */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { NetworkDatabase, SubnetTable } from './schema.js'
import { standardFromRow, standardToRow, tagsOf, type StandardAttrs } from './standard-attrs.js'

type Db = Kysely<NetworkDatabase>

export interface HostRoute {
  destination: string
  nexthop: string
}

/** A subnet as the service layer sees it. */
export interface Subnet extends StandardAttrs {
  networkId: string
  ipVersion: 4 | 6
  cidr: string
  gatewayIp: string | null
  enableDhcp: boolean
  ipv6RaMode: string | null
  ipv6AddressMode: string | null
  subnetpoolId: string | null
  allocationPools: { start: string; end: string }[]
  dnsNameservers: string[]
  hostRoutes: HostRoute[]
  serviceTypes: string[]
}

function fromRow(row: Selectable<SubnetTable>, tags: string[]): Subnet {
  return {
    ...standardFromRow(row, tags),
    networkId: row.network_id,
    ipVersion: Number(row.ip_version) === 6 ? 6 : 4,
    cidr: row.cidr,
    gatewayIp: row.gateway_ip,
    enableDhcp: toBool(row.enable_dhcp),
    ipv6RaMode: row.ipv6_ra_mode,
    ipv6AddressMode: row.ipv6_address_mode,
    subnetpoolId: row.subnetpool_id,
    allocationPools: parseJsonColumn(row.allocation_pools, []),
    dnsNameservers: parseJsonColumn(row.dns_nameservers, []),
    hostRoutes: parseJsonColumn(row.host_routes, []),
    serviceTypes: parseJsonColumn(row.service_types, []),
  }
}

function toRow(s: Subnet): SubnetTable {
  return {
    ...standardToRow(s),
    network_id: s.networkId,
    ip_version: s.ipVersion,
    cidr: s.cidr,
    gateway_ip: s.gatewayIp,
    enable_dhcp: fromBool(s.enableDhcp),
    ipv6_ra_mode: s.ipv6RaMode,
    ipv6_address_mode: s.ipv6AddressMode,
    subnetpool_id: s.subnetpoolId,
    allocation_pools: JSON.stringify(s.allocationPools),
    dns_nameservers: JSON.stringify(s.dnsNameservers),
    host_routes: JSON.stringify(s.hostRoutes),
    service_types: JSON.stringify(s.serviceTypes),
  }
}

export async function getSubnet(db: Db, id: string): Promise<Subnet | undefined> {
  const row = await db.selectFrom('subnet').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fromRow(row, (await tagsOf(db, [id])).get(id) ?? []) : undefined
}

export interface SubnetFilter {
  ids?: readonly string[]
  networkIds?: readonly string[]
  subnetpoolId?: string
  /** The caller's own subnets plus those on these networks. */
  visibleTo?: { projectId: string; networkIds: readonly string[] }
}

export async function listSubnets(db: Db, filter: SubnetFilter = {}): Promise<Subnet[]> {
  let query = db.selectFrom('subnet').selectAll()
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.networkIds) {
    if (filter.networkIds.length === 0) return []
    query = query.where('network_id', 'in', filter.networkIds)
  }
  if (filter.subnetpoolId !== undefined)
    query = query.where('subnetpool_id', '=', filter.subnetpoolId)
  const visible = filter.visibleTo
  if (visible) {
    query = query.where((eb) =>
      eb.or([
        eb('project_id', '=', visible.projectId),
        ...(visible.networkIds.length > 0 ? [eb('network_id', 'in', visible.networkIds)] : []),
      ]),
    )
  }
  const rows = await query.orderBy('created_at').orderBy('id').execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => fromRow(r, tags.get(r.id) ?? []))
}

export async function insertSubnet(db: Db, subnet: Subnet): Promise<void> {
  await db.insertInto('subnet').values(toRow(subnet)).execute()
}

export async function updateSubnet(
  db: Db,
  subnet: Subnet,
  expectRevision: number,
): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = toRow(subnet)
  const result = await db
    .updateTable('subnet')
    .set(row)
    .where('id', '=', subnet.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deleteSubnet(db: Db, id: string): Promise<void> {
  await db.deleteFrom('subnet').where('id', '=', id).execute()
}

export async function countSubnets(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('subnet')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
