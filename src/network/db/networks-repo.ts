/** @module network/db/networks-repo: networks and their segment allocations */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { NetworkDatabase, NetworkTable } from './schema.js'
import { standardFromRow, standardToRow, tagsOf, type StandardAttrs } from './standard-attrs.js'

type Db = Kysely<NetworkDatabase>

/** A network as the service layer sees it. */
export interface Network extends StandardAttrs {
  status: string
  adminStateUp: boolean
  shared: boolean
  external: boolean
  mtu: number
  networkType: string
  physicalNetwork: string | null
  segmentationId: number | null
  portSecurityEnabled: boolean
  availabilityZoneHints: string[]
  isDefault: boolean
}

function fromRow(row: Selectable<NetworkTable>, tags: string[]): Network {
  return {
    ...standardFromRow(row, tags),
    status: row.status,
    adminStateUp: toBool(row.admin_state_up),
    shared: toBool(row.shared),
    external: toBool(row.external),
    mtu: Number(row.mtu),
    networkType: row.network_type,
    physicalNetwork: row.physical_network,
    segmentationId: row.segmentation_id === null ? null : Number(row.segmentation_id),
    portSecurityEnabled: toBool(row.port_security_enabled),
    availabilityZoneHints: parseJsonColumn(row.availability_zone_hints, []),
    isDefault: toBool(row.is_default),
  }
}

function toRow(n: Network): NetworkTable {
  return {
    ...standardToRow(n),
    status: n.status,
    admin_state_up: fromBool(n.adminStateUp),
    shared: fromBool(n.shared),
    external: fromBool(n.external),
    mtu: n.mtu,
    network_type: n.networkType,
    physical_network: n.physicalNetwork,
    segmentation_id: n.segmentationId,
    port_security_enabled: fromBool(n.portSecurityEnabled),
    availability_zone_hints: JSON.stringify(n.availabilityZoneHints),
    is_default: fromBool(n.isDefault),
  }
}

export async function getNetwork(db: Db, id: string): Promise<Network | undefined> {
  const row = await db.selectFrom('network').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fromRow(row, (await tagsOf(db, [id])).get(id) ?? []) : undefined
}

/** Pre-filters a network list in SQL; the API filters the rest. */
export interface NetworkFilter {
  ids?: readonly string[]
  /** Networks of these projects, plus shared, external and `alsoIds` ones. */
  visibleTo?: { projectId: string; alsoIds: readonly string[] }
  projectId?: string
  external?: boolean
  name?: string
}

export async function listNetworks(db: Db, filter: NetworkFilter = {}): Promise<Network[]> {
  let query = db.selectFrom('network').selectAll()
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId)
  if (filter.external !== undefined) query = query.where('external', '=', fromBool(filter.external))
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  const visible = filter.visibleTo
  if (visible) {
    query = query.where((eb) =>
      eb.or([
        eb('project_id', '=', visible.projectId),
        eb('shared', '=', 1),
        eb('external', '=', 1),
        ...(visible.alsoIds.length > 0 ? [eb('id', 'in', visible.alsoIds)] : []),
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

export async function insertNetwork(db: Db, network: Network): Promise<void> {
  await db.insertInto('network').values(toRow(network)).execute()
}

/** Writes a changed network if its revision is still `expectRevision`; false when it moved. */
export async function updateNetwork(
  db: Db,
  network: Network,
  expectRevision: number,
): Promise<boolean> {
  const { id: _id, created_at: _c, ...row } = toRow(network)
  const result = await db
    .updateTable('network')
    .set(row)
    .where('id', '=', network.id)
    .where('revision_number', '=', expectRevision)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deleteNetwork(db: Db, id: string): Promise<void> {
  await db.deleteFrom('network').where('id', '=', id).execute()
  await db.deleteFrom('segment_allocation').where('network_id', '=', id).execute()
}

/** Taken segment keys starting with `prefix` (`vxlan:`). */
export async function segmentsTaken(db: Db, prefix: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('segment_allocation')
    .select('segment_key')
    .where('segment_key', 'like', `${prefix}%`)
    .execute()
  return new Set(rows.map((r) => r.segment_key))
}

/** Records a segment; throws a unique violation when another network has it. */
export async function takeSegment(db: Db, key: string, networkId: string): Promise<void> {
  await db
    .insertInto('segment_allocation')
    .values({ segment_key: key, network_id: networkId })
    .execute()
}

/** Counts a project's networks, for quotas. */
export async function countNetworks(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('network')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
