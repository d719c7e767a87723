/** @module block-storage/service/group-snapshots: a group snapshot is a snapshot of each of its group's volumes */
import {
  createGroupSnapshot as insertGroupSnapshot,
  deleteGroupSnapshotRow,
  listGroupSnapshots,
  updateGroupSnapshot,
  type GroupSnapshot,
} from '../db/groups-repo.js'
import {
  createSnapshot as insertSnapshot,
  listSnapshots,
  updateSnapshot,
  type Snapshot,
} from '../db/snapshots-repo.js'
import { getVolume } from '../db/volumes-repo.js'
import { InvalidGroupError, InvalidGroupSnapshotError } from '../errors.js'
import { agentHostOf } from './backends.js'
import { reasonOf, timestamp, type BlockStorageContext, type Caller } from './context.js'
import { visibleGroup, visibleGroupSnapshot } from './group-access.js'
import { groupVolumes } from './groups.js'
import { recordFailure } from './messages.js'
import { checkQuota } from './quotas.js'
import { destroySnapshot } from './snapshots.js'

export type { GroupSnapshot }

export const GROUP_SNAPSHOT_STATUSES = [
  'creating',
  'available',
  'deleting',
  'error',
  'error_deleting',
] as const

/** Snapshots every volume of an available group; the group snapshot is available once all are. */
export async function createGroupSnapshot(
  ctx: BlockStorageContext,
  caller: Caller,
  input: { groupId: string; name?: string | null; description?: string | null },
): Promise<GroupSnapshot> {
  const g = await visibleGroup(ctx, caller, input.groupId)
  if (g.status !== 'available')
    throw new InvalidGroupError(`Group ${g.id} status must be available, but is ${g.status}.`)
  const volumes = await groupVolumes(ctx, g)
  const busy = volumes.filter((v) => !['available', 'in-use'].includes(v.status))
  if (busy.length > 0)
    throw new InvalidGroupError(
      `Volumes ${busy.map((v) => v.id).join(', ')} of group ${g.id} are not available or in-use.`,
    )
  if (volumes.length > 0)
    await checkQuota(ctx, g.projectId, {
      snapshots: volumes.length,
      gigabytes: volumes.reduce((n, v) => n + v.size, 0),
    })
  const now = timestamp(ctx)
  const gs: GroupSnapshot = {
    id: ctx.ids.uuid(),
    projectId: g.projectId,
    userId: caller.userId,
    groupId: g.id,
    groupTypeId: g.groupTypeId,
    name: input.name ?? null,
    description: input.description ?? null,
    status: 'creating',
    createdAt: now,
    updatedAt: null,
  }
  const members: Snapshot[] = volumes.map((v) => ({
    id: ctx.ids.uuid(),
    projectId: v.projectId,
    userId: caller.userId,
    volumeId: v.id,
    name: `snapshot-${gs.id}`,
    description: null,
    size: v.size,
    status: 'creating',
    progress: '0%',
    metadata: {},
    createdAt: now,
    updatedAt: now,
    groupSnapshotId: gs.id,
  }))
  await ctx.db.transaction().execute(async (tx) => {
    await insertGroupSnapshot(tx, gs)
    for (const s of members) await insertSnapshot(tx, s)
  })
  ctx.background.run(`create group snapshot ${gs.id}`, () =>
    takeSnapshots(ctx, caller, gs, members),
  )
  return gs
}

async function takeSnapshots(
  ctx: BlockStorageContext,
  caller: Caller,
  gs: GroupSnapshot,
  members: Snapshot[],
): Promise<void> {
  try {
    for (const s of members) {
      const v = await getVolume(ctx.db, s.volumeId)
      if (!v?.host) throw new Error(`volume ${s.volumeId} has no backend`)
      await ctx.agents.createSnapshot(agentHostOf(v.host), { id: s.id, volumeId: v.id })
      await updateSnapshot(ctx.db, s.id, {
        status: 'available',
        progress: '100%',
        updatedAt: timestamp(ctx),
      })
    }
    await updateGroupSnapshot(ctx.db, gs.id, { status: 'available', updatedAt: timestamp(ctx) }, [
      'creating',
    ])
  } catch (error) {
    for (const s of members) {
      if (!(await updateSnapshot(ctx.db, s.id, { status: 'error' }, ['creating']))) continue
      await recordFailure(ctx, {
        projectId: gs.projectId,
        requestId: caller.requestId,
        resourceType: 'VOLUME_SNAPSHOT',
        resourceId: s.id,
        event: 'createSnapshot',
        message: `Creating group snapshot ${gs.id} failed: ${reasonOf(error)}`,
      })
    }
    await updateGroupSnapshot(ctx.db, gs.id, { status: 'error', updatedAt: timestamp(ctx) })
  }
}

export async function listVisibleGroupSnapshots(
  ctx: BlockStorageContext,
  caller: Caller,
  q: { allTenants?: boolean; groupId?: string },
): Promise<GroupSnapshot[]> {
  const all = caller.isAdmin && q.allTenants
  return listGroupSnapshots(ctx.db, {
    ...(all ? {} : { projectId: caller.projectId }),
    ...(q.groupId !== undefined ? { groupId: q.groupId } : {}),
  })
}

/** Deletes a group snapshot and each of its snapshots. */
export async function deleteGroupSnapshot(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<void> {
  const gs = await visibleGroupSnapshot(ctx, caller, id)
  if (!['available', 'error', 'error_deleting'].includes(gs.status))
    throw new InvalidGroupSnapshotError(
      `Group snapshot status must be available or error, but is ${gs.status}.`,
    )
  const now = timestamp(ctx)
  const members = (await listSnapshots(ctx.db, {})).filter((s) => s.groupSnapshotId === id)
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await updateGroupSnapshot(tx, id, { status: 'deleting', updatedAt: now }, [gs.status])))
      throw new InvalidGroupSnapshotError(`Group snapshot ${id} changed status.`)
    for (const s of members) await updateSnapshot(tx, s.id, { status: 'deleting', updatedAt: now })
  })
  ctx.background.run(`delete group snapshot ${id}`, async () => {
    for (const s of members) await destroySnapshot(ctx, caller, s)
    const left = (await listSnapshots(ctx.db, {})).filter((s) => s.groupSnapshotId === id)
    if (left.length > 0)
      await updateGroupSnapshot(ctx.db, id, { status: 'error_deleting', updatedAt: timestamp(ctx) })
    else await deleteGroupSnapshotRow(ctx.db, id)
  })
}

export async function resetGroupSnapshotStatus(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  status: string,
): Promise<void> {
  await visibleGroupSnapshot(ctx, caller, id)
  if (!(GROUP_SNAPSHOT_STATUSES as readonly string[]).includes(status))
    throw new InvalidGroupSnapshotError(`Group snapshot status ${status} is not valid.`)
  await updateGroupSnapshot(ctx.db, id, { status, updatedAt: timestamp(ctx) })
}
