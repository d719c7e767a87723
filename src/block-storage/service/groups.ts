/** @module block-storage/service/groups: generic volume groups (create, change membership, delete) */
import {
  createGroup as insertGroup,
  deleteGroupRow,
  getGroup,
  getGroupSnapshot,
  listGroupSnapshots,
  listGroups,
  updateGroup,
  type VolumeGroup,
} from '../db/groups-repo.js'
import { listSnapshots } from '../db/snapshots-repo.js'
import { getVolume, listVolumes, updateVolume, type Volume } from '../db/volumes-repo.js'
import { InvalidGroupError, InvalidInputError, InvalidVolumeError } from '../errors.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'
import { visibleGroup, visibleGroupSnapshot } from './group-access.js'
import { resolveGroupType } from './group-types.js'
import { checkQuota } from './quotas.js'
import { visibleVolume } from './volume-access.js'
import { resolveType } from './volume-types.js'
import { createVolume, destroyVolume } from './volumes.js'

export type { VolumeGroup }

export const GROUP_STATUSES = [
  'creating',
  'available',
  'updating',
  'deleting',
  'deleted',
  'error',
  'error_deleting',
  'in-use',
] as const

/** Statuses from which a group's volumes may be deleted with it (Cinder's list). */
const VOLUME_DELETABLE = ['available', 'error', 'error_restoring', 'error_extending']

function newGroup(
  ctx: BlockStorageContext,
  caller: Caller,
  fields: Pick<VolumeGroup, 'groupTypeId' | 'volumeTypeIds' | 'availabilityZone'> &
    Partial<Pick<VolumeGroup, 'name' | 'description' | 'groupSnapshotId' | 'sourceGroupId'>>,
): VolumeGroup {
  return {
    id: ctx.ids.uuid(),
    projectId: caller.projectId,
    userId: caller.userId,
    name: fields.name ?? null,
    description: fields.description ?? null,
    status: 'creating',
    availabilityZone: fields.availabilityZone,
    groupTypeId: fields.groupTypeId,
    volumeTypeIds: fields.volumeTypeIds,
    groupSnapshotId: fields.groupSnapshotId ?? null,
    sourceGroupId: fields.sourceGroupId ?? null,
    createdAt: timestamp(ctx),
    updatedAt: null,
  }
}

/** Creates an empty group; it becomes available at once (no backend holds group state). */
export async function createGroup(
  ctx: BlockStorageContext,
  caller: Caller,
  input: {
    groupType: string
    volumeTypes: string[]
    name?: string | null
    description?: string | null
    availabilityZone?: string | null
  },
): Promise<VolumeGroup> {
  const type = await resolveGroupType(ctx, caller, input.groupType)
  if (input.volumeTypes.length === 0)
    throw new InvalidInputError('volume_types must list at least one volume type.')
  const volumeTypeIds: string[] = []
  for (const t of input.volumeTypes) volumeTypeIds.push((await resolveType(ctx, caller, t)).id)
  await checkQuota(ctx, caller.projectId, { groups: 1 })
  const g = newGroup(ctx, caller, {
    groupTypeId: type.id,
    volumeTypeIds,
    availabilityZone: input.availabilityZone ?? ctx.config.availabilityZone,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
  })
  await insertGroup(ctx.db, g)
  ctx.background.run(`create group ${g.id}`, async () => {
    await updateGroup(ctx.db, g.id, { status: 'available', updatedAt: timestamp(ctx) }, [
      'creating',
    ])
  })
  return g
}

/** A new group holding copies of a group's volumes or of a group snapshot's snapshots (3.14). */
export async function createGroupFromSource(
  ctx: BlockStorageContext,
  caller: Caller,
  input: {
    sourceGroupId?: string
    groupSnapshotId?: string
    name?: string | null
    description?: string | null
  },
): Promise<VolumeGroup> {
  if (Boolean(input.sourceGroupId) === Boolean(input.groupSnapshotId))
    throw new InvalidInputError('Exactly one of source_group_id and group_snapshot_id is needed.')
  const source = input.sourceGroupId
    ? await visibleGroup(ctx, caller, input.sourceGroupId)
    : await visibleGroup(
        ctx,
        caller,
        (await visibleGroupSnapshot(ctx, caller, input.groupSnapshotId ?? '')).groupId,
      )
  if (input.sourceGroupId && source.status !== 'available')
    throw new InvalidGroupError(`Source group ${source.id} must be available.`)
  const origins: { sourceVolid?: string; snapshotId?: string; volume: Volume }[] = []
  if (input.groupSnapshotId) {
    const gs = await getGroupSnapshot(ctx.db, input.groupSnapshotId)
    if (gs?.status !== 'available')
      throw new InvalidGroupError(`Group snapshot ${input.groupSnapshotId} must be available.`)
    for (const s of await listSnapshots(ctx.db, {}))
      if (s.groupSnapshotId === gs.id) {
        const volume = await getVolume(ctx.db, s.volumeId)
        if (volume) origins.push({ snapshotId: s.id, volume })
      }
  } else {
    for (const v of await listVolumes(ctx.db, source.projectId))
      if (v.groupId === source.id) origins.push({ sourceVolid: v.id, volume: v })
  }
  await checkQuota(ctx, caller.projectId, { groups: 1 })
  const g = newGroup(ctx, caller, {
    groupTypeId: source.groupTypeId,
    volumeTypeIds: source.volumeTypeIds,
    availabilityZone: source.availabilityZone,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.groupSnapshotId ? { groupSnapshotId: input.groupSnapshotId } : {}),
    ...(input.sourceGroupId ? { sourceGroupId: input.sourceGroupId } : {}),
  })
  await insertGroup(ctx.db, g)
  const made: string[] = []
  try {
    for (const o of origins) {
      const v = await createVolume(ctx, caller, {
        size: o.volume.size,
        name: o.volume.name,
        volumeType: o.volume.volumeTypeId,
        groupId: g.id,
        ...(o.snapshotId ? { snapshotId: o.snapshotId } : { sourceVolid: o.sourceVolid ?? null }),
      })
      made.push(v.id)
    }
  } catch (error) {
    await updateGroup(ctx.db, g.id, { status: 'error', updatedAt: timestamp(ctx) })
    throw error
  }
  ctx.background.run(`create group ${g.id} from source`, () => settleGroup(ctx, g.id, made))
  return g
}

/** Waits for the group's new volumes to be built, then marks the group available or error. */
async function settleGroup(ctx: BlockStorageContext, id: string, volumeIds: string[]) {
  const deadline = ctx.clock.now() + 60 * 60_000
  for (;;) {
    const volumes = await Promise.all(volumeIds.map((v) => getVolume(ctx.db, v)))
    const building = volumes.some((v) => v?.status === 'creating')
    if (!building || ctx.clock.now() > deadline) {
      const failed = building || volumes.some((v) => !v || v.status !== 'available')
      await updateGroup(
        ctx.db,
        id,
        { status: failed ? 'error' : 'available', updatedAt: timestamp(ctx) },
        ['creating'],
      )
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export async function listVisibleGroups(
  ctx: BlockStorageContext,
  caller: Caller,
  q: { allTenants?: boolean; projectId?: string },
): Promise<VolumeGroup[]> {
  if (caller.isAdmin && (q.allTenants || q.projectId))
    return listGroups(ctx.db, q.projectId ? { projectId: q.projectId } : {})
  return listGroups(ctx.db, { projectId: caller.projectId })
}

/** The volumes of a group, for its view (3.25 `list_volume`) and for deletes. */
export async function groupVolumes(ctx: BlockStorageContext, g: VolumeGroup): Promise<Volume[]> {
  return (await listVolumes(ctx.db, g.projectId)).filter((v) => v.groupId === g.id)
}

/** Renames a group and adds or removes volumes (ids comma-separated as Cinder takes them). */
export async function updateGroupInfo(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  patch: {
    name?: string | null
    description?: string | null
    addVolumes?: string[]
    removeVolumes?: string[]
  },
): Promise<void> {
  const g = await visibleGroup(ctx, caller, id)
  const add = patch.addVolumes ?? []
  const remove = patch.removeVolumes ?? []
  if (
    patch.name === undefined &&
    patch.description === undefined &&
    add.length === 0 &&
    remove.length === 0
  )
    throw new InvalidGroupError(
      'Name, description, add_volumes, and remove_volumes can not be all empty in the request body.',
    )
  if (g.status !== 'available')
    throw new InvalidGroupError(`Group ${id} status must be available, but is ${g.status}.`)
  const adding: Volume[] = []
  for (const vid of add) {
    const v = await visibleVolume(ctx, caller, vid)
    if (v.groupId === g.id) continue
    if (v.groupId !== null)
      throw new InvalidVolumeError(`Volume ${vid} already belongs to group ${v.groupId}.`)
    if (!['available', 'in-use'].includes(v.status))
      throw new InvalidVolumeError(`Volume ${vid} status must be available or in-use.`)
    if (!g.volumeTypeIds.includes(v.volumeTypeId))
      throw new InvalidVolumeError(`Volume ${vid} has a volume type the group does not support.`)
    adding.push(v)
  }
  for (const vid of remove) {
    const v = await visibleVolume(ctx, caller, vid)
    if (v.groupId !== g.id) throw new InvalidVolumeError(`Volume ${vid} is not in group ${g.id}.`)
  }
  const now = timestamp(ctx)
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await updateGroup(tx, id, { status: 'updating', updatedAt: now }, ['available'])))
      throw new InvalidGroupError(`Group ${id} changed status; it must be available.`)
    for (const v of adding) await updateVolume(tx, v.id, { groupId: g.id, updatedAt: now })
    for (const vid of remove) await updateVolume(tx, vid, { groupId: null, updatedAt: now })
    await updateGroup(tx, id, {
      status: 'available',
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      updatedAt: now,
    })
  })
}

/** Deletes a group, with its volumes when `deleteVolumes` (refused while it has snapshots). */
export async function deleteGroup(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  deleteVolumes: boolean,
): Promise<void> {
  const g = await visibleGroup(ctx, caller, id)
  if (!['available', 'error', 'error_deleting'].includes(g.status))
    throw new InvalidGroupError(
      `Group status must be available or error, but current status is: ${g.status}.`,
    )
  if ((await listGroupSnapshots(ctx.db, { groupId: id })).length > 0)
    throw new InvalidGroupError(`Group ${id} has group snapshots; delete them first.`)
  const volumes = await groupVolumes(ctx, g)
  if (volumes.length > 0 && !deleteVolumes)
    throw new InvalidGroupError(
      `Group ${id} still contains volumes. The delete-volumes flag is required to delete it.`,
    )
  for (const v of volumes) {
    if (v.attachStatus === 'attached' || !VOLUME_DELETABLE.includes(v.status))
      throw new InvalidGroupError(`Volume ${v.id} in group ${id} is ${v.status}; it cannot go.`)
    if ((await listSnapshots(ctx.db, { volumeId: v.id })).length > 0)
      throw new InvalidGroupError(`Volume ${v.id} in group ${id} still has dependent snapshots.`)
  }
  const now = timestamp(ctx)
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await updateGroup(tx, id, { status: 'deleting', updatedAt: now }, [g.status])))
      throw new InvalidGroupError(`Group ${id} changed status while being deleted.`)
    for (const v of volumes)
      if (!(await updateVolume(tx, v.id, { status: 'deleting', updatedAt: now }, VOLUME_DELETABLE)))
        throw new InvalidGroupError(`Volume ${v.id} changed status while its group was deleted.`)
  })
  ctx.background.run(`delete group ${id}`, async () => {
    for (const v of volumes) await destroyVolume(ctx, caller, { ...v, status: 'deleting' }, [])
    const left = await groupVolumes(ctx, g)
    if (left.length > 0)
      await updateGroup(ctx.db, id, { status: 'error_deleting', updatedAt: timestamp(ctx) })
    else await deleteGroupRow(ctx.db, id)
  })
}

export async function resetGroupStatus(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  status: string,
): Promise<void> {
  await visibleGroup(ctx, caller, id)
  if (!(GROUP_STATUSES as readonly string[]).includes(status))
    throw new InvalidGroupError(`Group status ${status} is not valid.`)
  await updateGroup(ctx.db, id, { status, updatedAt: timestamp(ctx) })
}

/** Whether a group still exists (for callers that wait on a delete). */
export async function groupExists(ctx: BlockStorageContext, id: string): Promise<boolean> {
  return (await getGroup(ctx.db, id)) !== undefined
}
