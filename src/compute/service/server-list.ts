/** @module compute/service/server-list: list servers with Nova's filters, sorting and paging */
import {
  listInstances,
  latestFaults,
  metadataOf,
  tagsOf,
  type InstanceFilter,
} from '../db/instances-repo.js'
import { listBlockDevices } from '../db/block-devices-repo.js'
import { ComputeValidationError, InstanceNotFoundError } from '../errors.js'
import { vmStatesForStatus, type Instance, type InstanceFault } from '../model/instance.js'
import type { Caller, ComputeContext } from './context.js'
import { findServer } from './server-access.js'

/** A server with what its view needs besides the row. */
export interface ServerDetail {
  instance: Instance
  metadata: Record<string, string>
  tags: string[]
  fault: InstanceFault | undefined
  /** Floating IPs by fixed address. */
  floatingIps: Record<string, string>
  /** The volumes attached (booted from first), for `os-extended-volumes:volumes_attached`. */
  volumes: { id: string; deleteOnTermination: boolean }[]
}

export interface ServerQuery {
  name?: string
  status?: string
  image?: string
  flavor?: string
  host?: string
  ip?: string
  ip6?: string
  changesSince?: string
  changesBefore?: string
  reservationId?: string
  tags?: string[]
  tagsAny?: string[]
  notTags?: string[]
  notTagsAny?: string[]
  allTenants?: boolean
  projectId?: string
  deleted?: boolean
  locked?: boolean
  availabilityZone?: string
  sortKeys: string[]
  sortDirs: ('asc' | 'desc')[]
  limit?: number
  marker?: string
}

function safeRegex(text: string): RegExp {
  try {
    return new RegExp(text)
  } catch {
    throw new ComputeValidationError(`Invalid regular expression for name: ${text}`)
  }
}

const SORT_COLUMNS: Record<string, (i: Instance) => string | number | null> = {
  created_at: (i) => i.createdAt,
  updated_at: (i) => i.updatedAt,
  display_name: (i) => i.name,
  uuid: (i) => i.uuid,
  vm_state: (i) => i.vmState,
  task_state: (i) => i.taskState,
  power_state: (i) => i.powerState,
  host: (i) => i.host,
  node: (i) => i.node,
  hostname: (i) => i.hostname,
  launched_at: (i) => i.launchedAt,
  terminated_at: (i) => i.terminatedAt,
  availability_zone: (i) => i.availabilityZone,
  image_ref: (i) => i.imageRef,
  key_name: (i) => i.keyName,
  locked: (i) => (i.lockedBy ? 1 : 0),
  project_id: (i) => i.projectId,
  user_id: (i) => i.userId,
  instance_type_id: (i) => i.flavor.flavorid,
  display_description: (i) => i.description,
  progress: (i) => i.progress,
  launch_index: (i) => i.launchIndex,
}

function sorter(keys: string[], dirs: ('asc' | 'desc')[]) {
  const all = keys.length > 0 ? keys : ['created_at']
  for (const k of all) {
    if (!SORT_COLUMNS[k]) throw new ComputeValidationError(`Invalid sort_key ${k}`)
  }
  return (a: Instance, b: Instance): number => {
    for (const [n, key] of [...all, 'uuid'].entries()) {
      const get = SORT_COLUMNS[key] as (i: Instance) => string | number | null
      const dir = (dirs[n] ?? dirs[0] ?? 'desc') === 'asc' ? 1 : -1
      const x = get(a) ?? ''
      const y = get(b) ?? ''
      if (x < y) return -dir
      if (x > y) return dir
    }
    return 0
  }
}

/** Loads metadata, tags, faults and floating IPs for servers. */
export async function detailsOf(
  ctx: ComputeContext,
  instances: readonly Instance[],
  withFloating = true,
): Promise<ServerDetail[]> {
  const uuids = instances.map((i) => i.uuid)
  const [metadata, tags, faults, devices] = await Promise.all([
    metadataOf(ctx.db, uuids),
    tagsOf(ctx.db, uuids),
    latestFaults(ctx.db, uuids),
    listBlockDevices(ctx.db, uuids),
  ])
  const volumes = new Map<string, ServerDetail['volumes']>()
  for (const d of devices) {
    if (d.volumeId === null) continue
    const list = volumes.get(d.instanceUuid) ?? []
    list.push({ id: d.volumeId, deleteOnTermination: d.deleteOnTermination })
    volumes.set(d.instanceUuid, list)
  }
  const ports = instances.flatMap((i) => i.networkInfo.map((v) => v.portId))
  const floating: Record<string, string> = {}
  if (withFloating && ports.length > 0) {
    for (const f of await ctx.network.floatingIpsOfPorts(ports).catch(() => [])) {
      if (f.fixedIpAddress) floating[`${f.portId}/${f.fixedIpAddress}`] = f.floatingIpAddress
    }
  }
  return instances.map((instance) => ({
    instance,
    metadata: metadata.get(instance.uuid) ?? {},
    tags: tags.get(instance.uuid) ?? [],
    fault: faults.get(instance.uuid),
    floatingIps: floating,
    volumes: volumes.get(instance.uuid) ?? [],
  }))
}

function hasAddress(i: Instance, re: RegExp, version: 4 | 6): boolean {
  return i.networkInfo.some((v) =>
    v.ips.some((ip) => ip.version === version && re.test(ip.address)),
  )
}

/** Whether the database can order and cut the page itself: default order, no filter of ours. */
function databasePageable(q: ServerQuery): boolean {
  const ours = [q.name, q.image, q.flavor, q.ip, q.ip6, q.locked, q.availabilityZone, q.tags]
  const more = [q.tagsAny, q.notTags, q.notTagsAny]
  return (
    q.sortKeys.length === 0 &&
    q.sortDirs.length === 0 &&
    [...ours, ...more].every((v) => v === undefined)
  )
}

/** The page straight from the database (keyset after the marker, one more row to know if more). */
async function databasePage(
  ctx: ComputeContext,
  filter: InstanceFilter,
  q: ServerQuery,
): Promise<{ servers: Instance[]; more: boolean }> {
  let after: InstanceFilter['after']
  if (q.marker !== undefined) {
    const [marker] = await listInstances(ctx.db, { ...filter, uuids: [q.marker] })
    if (!marker) throw new ComputeValidationError(`marker [${q.marker}] not found`)
    after = { createdAt: marker.createdAt, uuid: marker.uuid }
  }
  const list = await listInstances(ctx.db, {
    ...filter,
    ...(after ? { after } : {}),
    ...(q.limit !== undefined ? { limit: q.limit + 1 } : {}),
  })
  const more = q.limit !== undefined && list.length > q.limit
  return { servers: q.limit !== undefined ? list.slice(0, q.limit) : list, more }
}

export async function listServers(
  ctx: ComputeContext,
  caller: Caller,
  q: ServerQuery,
): Promise<{ servers: Instance[]; more: boolean }> {
  const everyone = caller.isAdmin && q.allTenants === true
  // as in Nova, project_id/tenant_id filters only with all_tenants; else it is the caller's
  const projectId = everyone ? q.projectId : caller.projectId
  const deleted = caller.isAdmin && q.deleted === true
  const vmStates = q.status !== undefined ? vmStatesForStatus(q.status) : undefined
  const filter: InstanceFilter = {
    ...(projectId !== undefined ? { projectId } : {}),
    ...(q.changesSince === undefined && !deleted ? { deleted: false } : {}),
    ...(deleted ? { deleted: true } : {}),
    ...(vmStates ? { vmStates } : {}),
    ...(q.host !== undefined && caller.isAdmin ? { host: q.host } : {}),
    ...(q.changesSince !== undefined ? { changesSince: q.changesSince } : {}),
    ...(q.changesBefore !== undefined ? { changesBefore: q.changesBefore } : {}),
    ...(q.reservationId !== undefined ? { reservationId: q.reservationId } : {}),
  }
  if (databasePageable(q)) return databasePage(ctx, filter, q)
  let list = await listInstances(ctx.db, filter)
  if (q.name !== undefined) {
    const re = safeRegex(q.name)
    list = list.filter((i) => re.test(i.name))
  }
  if (q.image !== undefined) list = list.filter((i) => i.imageRef === q.image)
  if (q.flavor !== undefined) list = list.filter((i) => i.flavor.flavorid === q.flavor)
  if (q.ip !== undefined) {
    const re = safeRegex(q.ip)
    list = list.filter((i) => hasAddress(i, re, 4))
  }
  if (q.ip6 !== undefined) {
    const re = safeRegex(q.ip6)
    list = list.filter((i) => hasAddress(i, re, 6))
  }
  if (q.locked !== undefined) list = list.filter((i) => (i.lockedBy !== null) === q.locked)
  if (q.availabilityZone !== undefined) {
    list = list.filter((i) => (i.availabilityZone ?? 'nova') === q.availabilityZone)
  }
  if (q.tags || q.tagsAny || q.notTags || q.notTagsAny) {
    const tags = await tagsOf(
      ctx.db,
      list.map((i) => i.uuid),
    )
    list = list.filter((i) => {
      const t = tags.get(i.uuid) ?? []
      if (q.tags && !q.tags.every((x) => t.includes(x))) return false
      if (q.tagsAny && !q.tagsAny.some((x) => t.includes(x))) return false
      if (q.notTags && q.notTags.every((x) => t.includes(x))) return false
      if (q.notTagsAny && q.notTagsAny.some((x) => t.includes(x))) return false
      return true
    })
  }
  list.sort(sorter(q.sortKeys, q.sortDirs))
  if (q.marker !== undefined) {
    const at = list.findIndex((i) => i.uuid === q.marker)
    if (at < 0) throw new ComputeValidationError(`marker [${q.marker}] not found`)
    list = list.slice(at + 1)
  }
  const more = q.limit !== undefined && list.length > q.limit
  return { servers: q.limit !== undefined ? list.slice(0, q.limit) : list, more }
}

export async function showServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<ServerDetail> {
  const instance = await findServer(ctx, caller, uuid)
  const [detail] = await detailsOf(ctx, [instance])
  if (!detail) throw new InstanceNotFoundError(uuid)
  return detail
}
