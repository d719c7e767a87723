/** @module block-storage/service/group-access: finding groups and group snapshots, and what a group takes */
import {
  getGroup,
  getGroupSnapshot,
  type GroupSnapshot,
  type VolumeGroup,
} from '../db/groups-repo.js'
import {
  GroupNotFoundError,
  GroupSnapshotNotFoundError,
  InvalidGroupError,
  InvalidVolumeError,
} from '../errors.js'
import type { BlockStorageContext, Caller } from './context.js'

/** A group of the caller's project (any for an admin); 404 otherwise. */
export async function visibleGroup(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<VolumeGroup> {
  const g = await getGroup(ctx.db, id)
  if (!g || (!caller.isAdmin && g.projectId !== caller.projectId)) throw new GroupNotFoundError(id)
  return g
}

export async function visibleGroupSnapshot(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<GroupSnapshot> {
  const s = await getGroupSnapshot(ctx.db, id)
  if (!s || (!caller.isAdmin && s.projectId !== caller.projectId))
    throw new GroupSnapshotNotFoundError(id)
  return s
}

/** 400 unless a volume of `typeId` may join the group now. */
export async function assertGroupTakes(
  ctx: BlockStorageContext,
  caller: Caller,
  groupId: string,
  typeId: string,
): Promise<VolumeGroup> {
  const g = await visibleGroup(ctx, caller, groupId)
  if (!['available', 'creating'].includes(g.status))
    throw new InvalidGroupError(`Group ${g.id} status must be available, but is ${g.status}.`)
  if (!g.volumeTypeIds.includes(typeId))
    throw new InvalidVolumeError(
      `Volume type ${typeId} is not among the volume types of group ${g.id}.`,
    )
  return g
}
