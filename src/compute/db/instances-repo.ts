/** @module compute/db/instances-repo: servers, their metadata, tags and faults */
import type { Kysely, Selectable, Transaction } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type {
  FlavorSnapshot,
  Instance,
  InstanceFault,
  RequestSpec,
  TaskState,
  VmState,
} from '../model/instance.js'
import type { ComputeDatabase, InstanceTable } from './schema.js'

export type Db = Kysely<ComputeDatabase> | Transaction<ComputeDatabase>

const EMPTY_SPEC: RequestSpec = {
  networks: 'auto',
  securityGroups: [],
  groupId: null,
  triedHosts: [],
  attempts: 0,
}

function fromRow(row: Selectable<InstanceTable>): Instance {
  return {
    uuid: row.uuid,
    projectId: row.project_id,
    userId: row.user_id,
    name: row.display_name,
    description: row.display_description,
    hostname: row.hostname,
    vmState: row.vm_state as VmState,
    taskState: row.task_state as TaskState | null,
    powerState: Number(row.power_state),
    host: row.host,
    node: row.node,
    availabilityZone: row.availability_zone,
    flavor: parseJsonColumn(row.flavor, {} as FlavorSnapshot),
    oldFlavor: parseJsonColumn<FlavorSnapshot | null>(row.old_flavor, null),
    newFlavor: parseJsonColumn<FlavorSnapshot | null>(row.new_flavor, null),
    imageRef: row.image_ref,
    keyName: row.key_name,
    keyData: row.key_data,
    userData: row.user_data,
    lockedBy: row.locked_by as Instance['lockedBy'],
    lockedReason: row.locked_reason,
    launchedAt: row.launched_at,
    terminatedAt: row.terminated_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    deleted: Number(row.deleted) !== 0,
    reservationId: row.reservation_id,
    launchIndex: Number(row.launch_index),
    accessIpv4: row.access_ip_v4,
    accessIpv6: row.access_ip_v6,
    progress: Number(row.progress),
    configDrive: row.config_drive,
    networkInfo: parseJsonColumn(row.network_info, []),
    requestSpec: { ...EMPTY_SPEC, ...parseJsonColumn(row.request_spec, {}) },
  }
}

type Columns = Partial<InstanceTable>

function toColumns(i: Partial<Instance>): Columns {
  const c: Columns = {}
  const set = <K extends keyof InstanceTable>(key: K, value: InstanceTable[K] | undefined) => {
    if (value !== undefined) c[key] = value
  }
  const json = (v: unknown) => (v === undefined ? undefined : v === null ? null : JSON.stringify(v))
  set('uuid', i.uuid)
  set('project_id', i.projectId)
  set('user_id', i.userId)
  set('display_name', i.name)
  set('display_description', i.description)
  set('hostname', i.hostname)
  set('vm_state', i.vmState)
  set('task_state', i.taskState)
  set('power_state', i.powerState)
  set('host', i.host)
  set('node', i.node)
  set('availability_zone', i.availabilityZone)
  set('flavor', i.flavor && JSON.stringify(i.flavor))
  set('old_flavor', json(i.oldFlavor) as string | null | undefined)
  set('new_flavor', json(i.newFlavor) as string | null | undefined)
  set('image_ref', i.imageRef)
  set('key_name', i.keyName)
  set('key_data', i.keyData)
  set('user_data', i.userData)
  set('locked_by', i.lockedBy)
  set('locked_reason', i.lockedReason)
  set('launched_at', i.launchedAt)
  set('terminated_at', i.terminatedAt)
  set('created_at', i.createdAt)
  set('updated_at', i.updatedAt)
  set('deleted_at', i.deletedAt)
  set('deleted', i.deleted === undefined ? undefined : i.deleted ? 1 : 0)
  set('reservation_id', i.reservationId)
  set('launch_index', i.launchIndex)
  set('access_ip_v4', i.accessIpv4)
  set('access_ip_v6', i.accessIpv6)
  set('progress', i.progress)
  set('config_drive', i.configDrive)
  set('network_info', i.networkInfo && JSON.stringify(i.networkInfo))
  set('request_spec', i.requestSpec && JSON.stringify(i.requestSpec))
  return c
}

export async function getInstance(db: Db, uuid: string): Promise<Instance | undefined> {
  const row = await db
    .selectFrom('instance')
    .selectAll()
    .where('uuid', '=', uuid)
    .executeTakeFirst()
  return row && fromRow(row)
}

/** Filters the database applies; the rest is applied by the service. */
export interface InstanceFilter {
  projectId?: string
  deleted?: boolean
  vmStates?: readonly VmState[]
  host?: string
  changesSince?: string
  changesBefore?: string
  reservationId?: string
  uuids?: readonly string[]
  /** Only servers after this one in the default order (created_at, then uuid, newest first). */
  after?: { createdAt: string; uuid: string }
  /** At most this many, in the default order. */
  limit?: number
}

export async function listInstances(db: Db, filter: InstanceFilter): Promise<Instance[]> {
  let q = db.selectFrom('instance').selectAll()
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId)
  if (filter.deleted !== undefined) q = q.where('deleted', '=', filter.deleted ? 1 : 0)
  if (filter.vmStates) {
    if (filter.vmStates.length === 0) return []
    q = q.where('vm_state', 'in', [...filter.vmStates])
  }
  if (filter.host !== undefined) q = q.where('host', '=', filter.host)
  if (filter.changesSince !== undefined) q = q.where('updated_at', '>=', filter.changesSince)
  if (filter.changesBefore !== undefined) q = q.where('updated_at', '<=', filter.changesBefore)
  if (filter.reservationId !== undefined) q = q.where('reservation_id', '=', filter.reservationId)
  if (filter.uuids) {
    if (filter.uuids.length === 0) return []
    q = q.where('uuid', 'in', [...filter.uuids])
  }
  const after = filter.after
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('uuid', '<', after.uuid)]),
      ]),
    )
  }
  q = q.orderBy('created_at', 'desc').orderBy('uuid', 'desc')
  if (filter.limit !== undefined) q = q.limit(filter.limit)
  return (await q.execute()).map(fromRow)
}

export async function createInstance(db: Db, instance: Instance): Promise<void> {
  await db
    .insertInto('instance')
    .values(toColumns(instance) as InstanceTable)
    .execute()
}

/** What an update must still find for it to apply (compare-and-swap). */
export interface Expected {
  taskState?: readonly (TaskState | null)[]
  vmState?: readonly VmState[]
}

/** Applies `changes` if the server still matches `expected`; returns the new server or undefined. */
export async function updateInstance(
  db: Db,
  uuid: string,
  changes: Partial<Instance>,
  expected: Expected = {},
): Promise<Instance | undefined> {
  let q = db.updateTable('instance').set(toColumns(changes)).where('uuid', '=', uuid)
  if (expected.taskState) {
    const states = expected.taskState.filter((s): s is TaskState => s !== null)
    const allowNull = expected.taskState.includes(null)
    q = q.where((eb) => {
      const ors = []
      if (states.length > 0) ors.push(eb('task_state', 'in', states))
      if (allowNull) ors.push(eb('task_state', 'is', null))
      return eb.or(ors)
    })
  }
  if (expected.vmState) q = q.where('vm_state', 'in', [...expected.vmState])
  const result = await q.executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return undefined
  return getInstance(db, uuid)
}

export async function purgeInstanceDetails(db: Db, uuid: string): Promise<void> {
  await db.deleteFrom('instance_tag').where('instance_uuid', '=', uuid).execute()
  await db.deleteFrom('server_group_member').where('instance_uuid', '=', uuid).execute()
}

export async function metadataOf(db: Db, uuids: readonly string[]) {
  const out = new Map<string, Record<string, string>>()
  if (uuids.length === 0) return out
  const rows = await db
    .selectFrom('instance_metadata')
    .selectAll()
    .where('instance_uuid', 'in', [...uuids])
    .orderBy('meta_key')
    .execute()
  for (const r of rows) {
    const m = out.get(r.instance_uuid) ?? {}
    m[r.meta_key] = r.meta_value
    out.set(r.instance_uuid, m)
  }
  return out
}

export async function setMetadata(
  db: Db,
  uuid: string,
  metadata: Record<string, string>,
  replace: boolean,
): Promise<void> {
  if (replace) await db.deleteFrom('instance_metadata').where('instance_uuid', '=', uuid).execute()
  for (const [key, value] of Object.entries(metadata)) {
    await db
      .deleteFrom('instance_metadata')
      .where('instance_uuid', '=', uuid)
      .where('meta_key', '=', key)
      .execute()
    await db
      .insertInto('instance_metadata')
      .values({ instance_uuid: uuid, meta_key: key, meta_value: value })
      .execute()
  }
}

export async function deleteMetadataKey(db: Db, uuid: string, key: string): Promise<boolean> {
  const r = await db
    .deleteFrom('instance_metadata')
    .where('instance_uuid', '=', uuid)
    .where('meta_key', '=', key)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export async function tagsOf(db: Db, uuids: readonly string[]) {
  const out = new Map<string, string[]>()
  if (uuids.length === 0) return out
  const rows = await db
    .selectFrom('instance_tag')
    .selectAll()
    .where('instance_uuid', 'in', [...uuids])
    .orderBy('tag')
    .execute()
  for (const r of rows) out.set(r.instance_uuid, [...(out.get(r.instance_uuid) ?? []), r.tag])
  return out
}

export async function setTags(db: Db, uuid: string, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('instance_tag').where('instance_uuid', '=', uuid).execute()
  if (tags.length === 0) return
  await db
    .insertInto('instance_tag')
    .values([...new Set(tags)].map((tag) => ({ instance_uuid: uuid, tag })))
    .execute()
}

export async function addFault(
  db: Db,
  fault: InstanceFault & { id: string; instanceUuid: string; host: string | null },
): Promise<void> {
  await db
    .insertInto('instance_fault')
    .values({
      id: fault.id,
      instance_uuid: fault.instanceUuid,
      code: fault.code,
      message: fault.message,
      details: fault.details,
      host: fault.host,
      created_at: fault.createdAt,
    })
    .execute()
}

/** The newest fault of each server. */
export async function latestFaults(db: Db, uuids: readonly string[]) {
  const out = new Map<string, InstanceFault>()
  if (uuids.length === 0) return out
  const rows = await db
    .selectFrom('instance_fault')
    .selectAll()
    .where('instance_uuid', 'in', [...uuids])
    .orderBy('created_at', 'asc')
    .execute()
  for (const r of rows) {
    out.set(r.instance_uuid, {
      code: Number(r.code),
      message: r.message,
      details: r.details,
      createdAt: r.created_at,
    })
  }
  return out
}
