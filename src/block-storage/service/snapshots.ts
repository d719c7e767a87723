/** @module block-storage/service/snapshots: snapshots of volumes */
import {
  createSnapshot as insertSnapshot,
  deleteSnapshotRow,
  listSnapshots,
  updateSnapshot,
  type Snapshot,
} from '../db/snapshots-repo.js'
import { getType } from '../db/types-repo.js'
import { getVolume } from '../db/volumes-repo.js'
import { InvalidInputError, InvalidSnapshotError, MetadataKeyNotFoundError } from '../errors.js'
import { agentHostOf } from './backends.js'
import { reasonOf, timestamp, type BlockStorageContext, type Caller } from './context.js'
import { page, parseMetadataFilter, type PageRequest } from './list-page.js'
import { assertNotFrozen } from './host-services.js'
import { recordFailure } from './messages.js'
import { checkQuota } from './quotas.js'
import { assertStatus, checkMetadata, visibleSnapshot, visibleVolume } from './volume-access.js'

export const SNAPSHOT_STATUSES = [
  'creating',
  'available',
  'backing-up',
  'deleting',
  'error',
  'deleted',
  'unmanaging',
  'restoring',
  'error_deleting',
] as const

export async function createSnapshot(
  ctx: BlockStorageContext,
  caller: Caller,
  input: {
    volumeId: string
    name?: string | null
    description?: string | null
    force?: boolean
    metadata?: unknown
    inUseAllowed: boolean
  },
): Promise<Snapshot> {
  const v = await visibleVolume(ctx, caller, input.volumeId)
  await assertNotFrozen(ctx, v.host)
  const allowed = input.force || input.inUseAllowed ? ['available', 'in-use'] : ['available']
  assertStatus(v, allowed, 'be snapshotted')
  const metadata =
    input.metadata === undefined || input.metadata === null ? {} : checkMetadata(input.metadata)
  const type = await getType(ctx.db, v.volumeTypeId)
  await checkQuota(ctx, v.projectId, {
    snapshots: 1,
    gigabytes: v.size,
    ...(type ? { typeName: type.name } : {}),
  })
  const now = timestamp(ctx)
  const snap: Snapshot = {
    id: ctx.ids.uuid(),
    projectId: v.projectId,
    userId: caller.userId,
    volumeId: v.id,
    name: input.name ?? null,
    description: input.description ?? null,
    size: v.size,
    status: 'creating',
    progress: '0%',
    metadata,
    createdAt: now,
    updatedAt: now,
    groupSnapshotId: null,
  }
  await insertSnapshot(ctx.db, snap)
  ctx.background.run(`create snapshot ${snap.id}`, async () => {
    try {
      if (!v.host) throw new Error('the volume has no backend')
      await ctx.agents.createSnapshot(agentHostOf(v.host), { id: snap.id, volumeId: v.id })
      await updateSnapshot(
        ctx.db,
        snap.id,
        { status: 'available', progress: '100%', updatedAt: timestamp(ctx) },
        ['creating'],
      )
    } catch (error) {
      await updateSnapshot(ctx.db, snap.id, { status: 'error', updatedAt: timestamp(ctx) })
      await recordFailure(ctx, {
        projectId: v.projectId,
        requestId: caller.requestId,
        resourceType: 'VOLUME_SNAPSHOT',
        resourceId: snap.id,
        event: 'createSnapshot',
        message: `Creating the snapshot failed: ${reasonOf(error)}`,
      })
    }
  })
  return snap
}

export interface SnapshotListQuery {
  name?: string
  status?: string
  volumeId?: string
  metadata?: string
  allTenants?: boolean
  projectId?: string
  page: PageRequest
}

export const SNAPSHOT_SORT_KEYS = [
  'id',
  'name',
  'created_at',
  'updated_at',
  'size',
  'status',
  'volume_id',
] as const

function snapshotField(s: Snapshot, key: string): unknown {
  switch (key) {
    case 'name':
      return s.name
    case 'created_at':
      return s.createdAt
    case 'updated_at':
      return s.updatedAt
    case 'size':
      return s.size
    case 'status':
      return s.status
    case 'volume_id':
      return s.volumeId
    default:
      return s.id
  }
}

export async function listVisibleSnapshots(
  ctx: BlockStorageContext,
  caller: Caller,
  q: SnapshotListQuery,
): Promise<{ items: Snapshot[]; more: boolean; count: number }> {
  const projectId =
    caller.isAdmin && q.allTenants
      ? q.projectId
      : caller.isAdmin && q.projectId
        ? q.projectId
        : caller.projectId
  let items = await listSnapshots(ctx.db, projectId !== undefined ? { projectId } : {})
  if (q.name !== undefined) items = items.filter((s) => s.name === q.name)
  if (q.status !== undefined) items = items.filter((s) => s.status === q.status)
  if (q.volumeId !== undefined) items = items.filter((s) => s.volumeId === q.volumeId)
  if (q.metadata !== undefined) {
    const want = parseMetadataFilter(q.metadata)
    items = items.filter((s) => Object.entries(want).every(([k, v]) => s.metadata[k] === v))
  }
  const count = items.length
  return { ...page(items, q.page, snapshotField), count }
}

export async function updateSnapshotInfo(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  patch: { name?: string | null; description?: string | null },
): Promise<Snapshot> {
  await visibleSnapshot(ctx, caller, id)
  await updateSnapshot(ctx.db, id, { ...patch, updatedAt: timestamp(ctx) })
  return visibleSnapshot(ctx, caller, id)
}

export async function deleteSnapshot(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  force = false,
): Promise<void> {
  const s = await visibleSnapshot(ctx, caller, id)
  await assertNotFrozen(ctx, (await getVolume(ctx.db, s.volumeId))?.host ?? null)
  if (!force && s.groupSnapshotId !== null)
    throw new InvalidSnapshotError(
      `Snapshot ${id} is part of group snapshot ${s.groupSnapshotId}; delete the group snapshot.`,
    )
  if (!force && !['available', 'error', 'error_deleting'].includes(s.status))
    throw new InvalidSnapshotError(
      `Snapshot status must be available or error and must not be part of a group, but is ${s.status}.`,
    )
  await updateSnapshot(ctx.db, id, { status: 'deleting', updatedAt: timestamp(ctx) })
  ctx.background.run(`delete snapshot ${id}`, () => destroySnapshot(ctx, caller, s))
}

export async function destroySnapshot(
  ctx: BlockStorageContext,
  caller: Pick<Caller, 'requestId'>,
  s: Snapshot,
): Promise<void> {
  try {
    const v = await getVolume(ctx.db, s.volumeId)
    if (v?.host) await ctx.agents.deleteSnapshot(agentHostOf(v.host), s.id)
    await deleteSnapshotRow(ctx.db, s.id)
  } catch (error) {
    await updateSnapshot(ctx.db, s.id, { status: 'error_deleting', updatedAt: timestamp(ctx) })
    await recordFailure(ctx, {
      projectId: s.projectId,
      requestId: caller.requestId,
      resourceType: 'VOLUME_SNAPSHOT',
      resourceId: s.id,
      event: 'deleteSnapshot',
      message: `Deleting the snapshot failed: ${reasonOf(error)}`,
    })
  }
}

export async function resetSnapshotStatus(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  status: string,
): Promise<void> {
  await visibleSnapshot(ctx, caller, id)
  if (!(SNAPSHOT_STATUSES as readonly string[]).includes(status))
    throw new InvalidInputError(`Must specify a valid status: ${status} is not one.`)
  await updateSnapshot(ctx.db, id, { status, updatedAt: timestamp(ctx) })
}

/** Nova's progress report on a snapshot it takes: only forward moves Cinder allows. */
export async function updateSnapshotStatus(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  input: { status: string; progress?: string },
): Promise<void> {
  const s = await visibleSnapshot(ctx, caller, id)
  const allowed: Record<string, string[]> = {
    creating: ['creating', 'available', 'error'],
    deleting: ['deleting', 'error_deleting'],
  }
  if (!(allowed[s.status] ?? []).includes(input.status))
    throw new InvalidSnapshotError(
      `Snapshot status ${s.status} does not allow an update to ${input.status}.`,
    )
  await updateSnapshot(ctx.db, id, {
    status: input.status,
    ...(input.progress !== undefined ? { progress: input.progress } : {}),
    updatedAt: timestamp(ctx),
  })
}

export async function setSnapshotMetadata(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  metadata: unknown,
  replace: boolean,
): Promise<Record<string, string>> {
  const s = await visibleSnapshot(ctx, caller, id)
  const given = checkMetadata(metadata)
  const next = replace ? given : { ...s.metadata, ...given }
  await updateSnapshot(ctx.db, id, { metadata: next, updatedAt: timestamp(ctx) })
  return next
}

export async function deleteSnapshotMetadataKey(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  key: string,
): Promise<void> {
  const s = await visibleSnapshot(ctx, caller, id)
  if (!(key in s.metadata)) throw new MetadataKeyNotFoundError('Snapshot', id, key)
  const next = { ...s.metadata }
  delete next[key]
  await updateSnapshot(ctx.db, id, { metadata: next, updatedAt: timestamp(ctx) })
}
