/** @module network/db/ports-repo: ports, their addresses and security groups */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { NetworkDatabase, PortTable } from './schema.js'
import { standardFromRow, standardToRow, tagsOf, type StandardAttrs } from './standard-attrs.js'

type Db = Kysely<NetworkDatabase>

export interface FixedIp {
  subnetId: string
  ipAddress: string
}

/** A port as the service layer sees it. */
export interface Port extends StandardAttrs {
  networkId: string
  macAddress: string
  adminStateUp: boolean
  status: string
  deviceId: string
  deviceOwner: string
  hostId: string
  vifType: string
  vnicType: string
  profile: Record<string, unknown>
  vifDetails: Record<string, unknown>
  portSecurityEnabled: boolean
  allowedAddressPairs: { ip_address: string; mac_address: string }[]
  extraDhcpOpts: Record<string, unknown>[]
  dnsName: string
  fixedIps: FixedIp[]
  securityGroups: string[]
}

function fromRow(
  row: Selectable<PortTable>,
  extra: { tags: string[]; fixedIps: FixedIp[]; securityGroups: string[] },
): Port {
  return {
    ...standardFromRow(row, extra.tags),
    networkId: row.network_id,
    macAddress: row.mac_address,
    adminStateUp: toBool(row.admin_state_up),
    status: row.status,
    deviceId: row.device_id,
    deviceOwner: row.device_owner,
    hostId: row.binding_host_id,
    vifType: row.binding_vif_type,
    vnicType: row.binding_vnic_type,
    profile: parseJsonColumn(row.binding_profile, {}),
    vifDetails: parseJsonColumn(row.binding_vif_details, {}),
    portSecurityEnabled: toBool(row.port_security_enabled),
    allowedAddressPairs: parseJsonColumn(row.allowed_address_pairs, []),
    extraDhcpOpts: parseJsonColumn(row.extra_dhcp_opts, []),
    dnsName: row.dns_name,
    fixedIps: extra.fixedIps,
    securityGroups: extra.securityGroups,
  }
}

function toRow(p: Port): PortTable {
  return {
    ...standardToRow(p),
    network_id: p.networkId,
    mac_address: p.macAddress,
    admin_state_up: fromBool(p.adminStateUp),
    status: p.status,
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    binding_host_id: p.hostId,
    binding_vif_type: p.vifType,
    binding_vnic_type: p.vnicType,
    binding_profile: JSON.stringify(p.profile),
    binding_vif_details: JSON.stringify(p.vifDetails),
    port_security_enabled: fromBool(p.portSecurityEnabled),
    allowed_address_pairs: JSON.stringify(p.allowedAddressPairs),
    extra_dhcp_opts: JSON.stringify(p.extraDhcpOpts),
    dns_name: p.dnsName,
  }
}

async function hydrate(db: Db, rows: Selectable<PortTable>[]): Promise<Port[]> {
  const ids = rows.map((r) => r.id)
  const tags = await tagsOf(db, ids)
  const ips = new Map<string, FixedIp[]>()
  const groups = new Map<string, string[]>()
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500)
    const allocations = await db
      .selectFrom('ip_allocation')
      .select(['port_id', 'subnet_id', 'ip_address'])
      .where('port_id', 'in', chunk)
      .execute()
    for (const a of allocations) {
      ips.set(a.port_id, [
        ...(ips.get(a.port_id) ?? []),
        { subnetId: a.subnet_id, ipAddress: a.ip_address },
      ])
    }
    const bindings = await db
      .selectFrom('port_security_group')
      .select(['port_id', 'security_group_id'])
      .where('port_id', 'in', chunk)
      .execute()
    for (const b of bindings) {
      groups.set(b.port_id, [...(groups.get(b.port_id) ?? []), b.security_group_id])
    }
  }
  return rows.map((r) =>
    fromRow(r, {
      tags: tags.get(r.id) ?? [],
      fixedIps: ips.get(r.id) ?? [],
      securityGroups: (groups.get(r.id) ?? []).sort(),
    }),
  )
}

export async function getPort(db: Db, id: string): Promise<Port | undefined> {
  const row = await db.selectFrom('port').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? (await hydrate(db, [row]))[0] : undefined
}

export interface PortFilter {
  ids?: readonly string[]
  networkIds?: readonly string[]
  deviceId?: string
  deviceOwner?: string
  macAddress?: string
  /** The caller's own ports plus every port on these networks. */
  visibleTo?: { projectId: string; networkIds: readonly string[] }
  /** One page in list order (created_at, id): at most `limit` rows after `marker`'s. */
  page?: { limit: number; marker?: string }
}

export async function listPorts(db: Db, filter: PortFilter = {}): Promise<Port[]> {
  let query = db.selectFrom('port').selectAll()
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.networkIds) {
    if (filter.networkIds.length === 0) return []
    query = query.where('network_id', 'in', filter.networkIds)
  }
  if (filter.deviceId !== undefined) query = query.where('device_id', '=', filter.deviceId)
  if (filter.deviceOwner !== undefined) query = query.where('device_owner', '=', filter.deviceOwner)
  if (filter.macAddress !== undefined) query = query.where('mac_address', '=', filter.macAddress)
  const visible = filter.visibleTo
  if (visible) {
    query = query.where((eb) =>
      eb.or([
        eb('project_id', '=', visible.projectId),
        ...(visible.networkIds.length > 0 ? [eb('network_id', 'in', visible.networkIds)] : []),
      ]),
    )
  }
  const page = filter.page
  if (page) {
    const marker = page.marker
      ? await db
          .selectFrom('port')
          .select(['created_at', 'id'])
          .where('id', '=', page.marker)
          .executeTakeFirst()
      : undefined
    if (marker) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', marker.created_at),
          eb.and([eb('created_at', '=', marker.created_at), eb('id', '>', marker.id)]),
        ]),
      )
    }
    query = query.limit(page.limit)
  }
  return hydrate(db, await query.orderBy('created_at').orderBy('id').execute())
}

export async function insertPort(db: Db, port: Port): Promise<void> {
  await db.insertInto('port').values(toRow(port)).execute()
  await replaceSecurityGroups(db, port.id, port.securityGroups)
}

export async function updatePort(db: Db, port: Port, expectRevision: number): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = toRow(port)
  const result = await db
    .updateTable('port')
    .set(row)
    .where('id', '=', port.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deletePort(db: Db, id: string): Promise<void> {
  await db.deleteFrom('ip_allocation').where('port_id', '=', id).execute()
  await db.deleteFrom('port_security_group').where('port_id', '=', id).execute()
  await db.deleteFrom('port').where('id', '=', id).execute()
}

export async function replaceSecurityGroups(
  db: Db,
  portId: string,
  groups: readonly string[],
): Promise<void> {
  await db.deleteFrom('port_security_group').where('port_id', '=', portId).execute()
  const unique = [...new Set(groups)]
  if (unique.length > 0) {
    await db
      .insertInto('port_security_group')
      .values(unique.map((g) => ({ port_id: portId, security_group_id: g })))
      .execute()
  }
}

/** Addresses taken in a subnet (by any port). */
export async function allocatedAddresses(db: Db, subnetId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ip_allocation')
    .select('ip_address')
    .where('subnet_id', '=', subnetId)
    .execute()
  return rows.map((r) => r.ip_address)
}

/** Which of `candidates` are taken in a subnet. */
export async function takenAmong(
  db: Db,
  subnetId: string,
  candidates: readonly string[],
): Promise<string[]> {
  if (candidates.length === 0) return []
  const rows = await db
    .selectFrom('ip_allocation')
    .select('ip_address')
    .where('subnet_id', '=', subnetId)
    .where('ip_address', 'in', candidates)
    .execute()
  return rows.map((r) => r.ip_address)
}

/** Records addresses; a unique violation means another port took one first. */
export async function insertAllocations(
  db: Db,
  port: { id: string; networkId: string },
  ips: readonly FixedIp[],
): Promise<void> {
  if (ips.length === 0) return
  await db
    .insertInto('ip_allocation')
    .values(
      ips.map((ip) => ({
        port_id: port.id,
        network_id: port.networkId,
        subnet_id: ip.subnetId,
        ip_address: ip.ipAddress,
      })),
    )
    .execute()
}

export async function deleteAllocations(
  db: Db,
  portId: string,
  ips: readonly FixedIp[],
): Promise<void> {
  for (const ip of ips) {
    await db
      .deleteFrom('ip_allocation')
      .where('port_id', '=', portId)
      .where('subnet_id', '=', ip.subnetId)
      .where('ip_address', '=', ip.ipAddress)
      .execute()
  }
}

/** Port ids holding an address from a subnet, with their device owners. */
export async function portsOnSubnet(
  db: Db,
  subnetId: string,
): Promise<{ portId: string; deviceOwner: string }[]> {
  const rows = await db
    .selectFrom('ip_allocation')
    .innerJoin('port', 'port.id', 'ip_allocation.port_id')
    .select(['port.id as portId', 'port.device_owner as deviceOwner'])
    .where('ip_allocation.subnet_id', '=', subnetId)
    .execute()
  return rows
}

/** How many addresses each subnet has handed out. */
export async function countAllocations(
  db: Db,
  subnetIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  if (subnetIds.length === 0) return out
  const rows = await db
    .selectFrom('ip_allocation')
    .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('subnet_id', 'in', subnetIds)
    .groupBy('subnet_id')
    .execute()
  for (const r of rows) out.set(r.subnet_id, Number(r.n))
  return out
}

export async function countPorts(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('port')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** Ports bound to a security group. */
export async function portsInSecurityGroup(db: Db, groupId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('port_security_group')
    .select('port_id')
    .where('security_group_id', '=', groupId)
    .execute()
  return rows.map((r) => r.port_id)
}
