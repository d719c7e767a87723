/** @module network/db/routers-repo: routers and floating IPs */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { FloatingIpTable, NetworkDatabase, RouterTable } from './schema.js'
import { standardFromRow, standardToRow, tagsOf, type StandardAttrs } from './standard-attrs.js'
import type { HostRoute } from './subnets-repo.js'

type Db = Kysely<NetworkDatabase>

/** A router as the service layer sees it. */
export interface Router extends StandardAttrs {
  status: string
  adminStateUp: boolean
  gwNetworkId: string | null
  gwPortId: string | null
  enableSnat: boolean
  routes: HostRoute[]
  availabilityZoneHints: string[]
}

function routerFromRow(row: Selectable<RouterTable>, tags: string[]): Router {
  return {
    ...standardFromRow(row, tags),
    status: row.status,
    adminStateUp: toBool(row.admin_state_up),
    gwNetworkId: row.gw_network_id,
    gwPortId: row.gw_port_id,
    enableSnat: toBool(row.enable_snat),
    routes: parseJsonColumn(row.routes, []),
    availabilityZoneHints: parseJsonColumn(row.availability_zone_hints, []),
  }
}

function routerToRow(r: Router): RouterTable {
  return {
    ...standardToRow(r),
    status: r.status,
    admin_state_up: fromBool(r.adminStateUp),
    gw_network_id: r.gwNetworkId,
    gw_port_id: r.gwPortId,
    enable_snat: fromBool(r.enableSnat),
    routes: JSON.stringify(r.routes),
    availability_zone_hints: JSON.stringify(r.availabilityZoneHints),
  }
}

export async function getRouter(db: Db, id: string): Promise<Router | undefined> {
  const row = await db.selectFrom('router').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? routerFromRow(row, (await tagsOf(db, [id])).get(id) ?? []) : undefined
}

export async function listRouters(
  db: Db,
  filter: { projectId?: string; ids?: readonly string[]; gwNetworkId?: string } = {},
): Promise<Router[]> {
  let query = db.selectFrom('router').selectAll()
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId)
  if (filter.gwNetworkId !== undefined)
    query = query.where('gw_network_id', '=', filter.gwNetworkId)
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  const rows = await query.orderBy('created_at').orderBy('id').execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => routerFromRow(r, tags.get(r.id) ?? []))
}

export async function insertRouter(db: Db, router: Router): Promise<void> {
  await db.insertInto('router').values(routerToRow(router)).execute()
}

export async function updateRouter(
  db: Db,
  router: Router,
  expectRevision: number,
): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = routerToRow(router)
  const result = await db
    .updateTable('router')
    .set(row)
    .where('id', '=', router.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deleteRouter(db: Db, id: string): Promise<void> {
  await db.deleteFrom('router').where('id', '=', id).execute()
}

/** A floating IP as the service layer sees it. */
export interface FloatingIp extends StandardAttrs {
  floatingNetworkId: string
  floatingIpAddress: string
  floatingPortId: string
  portId: string | null
  fixedIpAddress: string | null
  routerId: string | null
  status: string
}

function fipFromRow(row: Selectable<FloatingIpTable>, tags: string[]): FloatingIp {
  return {
    ...standardFromRow(row, tags),
    floatingNetworkId: row.floating_network_id,
    floatingIpAddress: row.floating_ip_address,
    floatingPortId: row.floating_port_id,
    portId: row.port_id,
    fixedIpAddress: row.fixed_ip_address,
    routerId: row.router_id,
    status: row.status,
  }
}

function fipToRow(f: FloatingIp): FloatingIpTable {
  return {
    ...standardToRow(f),
    floating_network_id: f.floatingNetworkId,
    floating_ip_address: f.floatingIpAddress,
    floating_port_id: f.floatingPortId,
    port_id: f.portId,
    fixed_ip_address: f.fixedIpAddress,
    router_id: f.routerId,
    status: f.status,
  }
}

export async function getFloatingIp(db: Db, id: string): Promise<FloatingIp | undefined> {
  const row = await db.selectFrom('floating_ip').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fipFromRow(row, (await tagsOf(db, [id])).get(id) ?? []) : undefined
}

export async function listFloatingIps(
  db: Db,
  filter: { projectId?: string; portId?: string; routerId?: string; networkId?: string } = {},
): Promise<FloatingIp[]> {
  let query = db.selectFrom('floating_ip').selectAll()
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId)
  if (filter.portId !== undefined) query = query.where('port_id', '=', filter.portId)
  if (filter.routerId !== undefined) query = query.where('router_id', '=', filter.routerId)
  if (filter.networkId !== undefined)
    query = query.where('floating_network_id', '=', filter.networkId)
  const rows = await query.orderBy('created_at').orderBy('id').execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => fipFromRow(r, tags.get(r.id) ?? []))
}

export async function insertFloatingIp(db: Db, fip: FloatingIp): Promise<void> {
  await db.insertInto('floating_ip').values(fipToRow(fip)).execute()
}

export async function updateFloatingIp(
  db: Db,
  fip: FloatingIp,
  expectRevision: number,
): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = fipToRow(fip)
  const result = await db
    .updateTable('floating_ip')
    .set(row)
    .where('id', '=', fip.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deleteFloatingIp(db: Db, id: string): Promise<void> {
  await db.deleteFrom('floating_ip').where('id', '=', id).execute()
}

/** Clears the association of every floating IP bound to a port that goes away. */
export async function disassociatePort(db: Db, portId: string, at: string): Promise<void> {
  await db
    .updateTable('floating_ip')
    .set((eb) => ({
      port_id: null,
      fixed_ip_address: null,
      router_id: null,
      status: 'DOWN',
      updated_at: at,
      revision_number: eb('revision_number', '+', 1),
    }))
    .where('port_id', '=', portId)
    .execute()
}
