/** @module block-storage/service/volumes: creating, listing, changing and deleting volumes */
import { listAttachments, deleteAttachmentRow } from '../db/attachments-repo.js'
import { getTypeEncryption } from '../db/encryption-repo.js'
import { listSnapshots, deleteSnapshotRow } from '../db/snapshots-repo.js'
import { getType } from '../db/types-repo.js'
import {
  createVolume as insertVolume,
  deleteVolumeRow,
  getVolume,
  updateVolume,
  type Volume,
} from '../db/volumes-repo.js'
import { InvalidInputError, InvalidVolumeError, MetadataKeyNotFoundError } from '../errors.js'
import type { VolumeSource } from '../rpc/contracts.js'
import { selectPool } from '../scheduler/volume-scheduler.js'
import { agentHostOf, availabilityZones } from './backends.js'
import { reasonOf, timestamp, type BlockStorageContext, type Caller } from './context.js'
import { assertGroupTakes } from './group-access.js'
import { assertNotFrozen } from './host-services.js'
import { recordFailure } from './messages.js'
import { checkQuota } from './quotas.js'
import {
  assertStatus,
  checkMetadata,
  checkSize,
  visibleSnapshot,
  visibleVolume,
} from './volume-access.js'
import { defaultType, resolveType } from './volume-types.js'

const GIB = 1024 ** 3

/** What `POST /volumes` may carry, already read from the wire names. */
export interface VolumeCreateInput {
  size?: unknown
  name?: string | null
  description?: string | null
  metadata?: unknown
  volumeType?: string | null
  availabilityZone?: string | null
  snapshotId?: string | null
  sourceVolid?: string | null
  imageRef?: string | null
  multiattach?: boolean
  /** A generic volume group (3.13) whose volume types include the volume's. */
  groupId?: string | null
}

/** Statuses from which a volume may be deleted (Cinder's list). */
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing']

interface Origin {
  source: VolumeSource
  minSize: number
  typeId?: string
  zone?: string
  imageMetadata?: Record<string, string>
}

async function originOf(
  ctx: BlockStorageContext,
  caller: Caller,
  input: VolumeCreateInput,
): Promise<Origin> {
  const given = [input.snapshotId, input.sourceVolid, input.imageRef].filter((x) => x)
  if (given.length > 1)
    throw new InvalidInputError('Only one of snapshot_id, source_volid and imageRef may be given.')
  if (input.snapshotId) {
    const snap = await visibleSnapshot(ctx, caller, input.snapshotId)
    if (snap.status !== 'available')
      throw new InvalidInputError(
        `Invalid snapshot: Originating snapshot status must be 'available'.`,
      )
    const parent = await getVolume(ctx.db, snap.volumeId)
    return {
      source: { kind: 'snapshot', snapshotId: snap.id },
      minSize: snap.size,
      ...(parent ? { typeId: parent.volumeTypeId, zone: parent.availabilityZone } : {}),
    }
  }
  if (input.sourceVolid) {
    const src = await visibleVolume(ctx, caller, input.sourceVolid)
    if (!['available', 'in-use'].includes(src.status))
      throw new InvalidVolumeError(`Unable to clone volumes that are in ${src.status} status.`)
    return {
      source: { kind: 'volume', sourceId: src.id },
      minSize: src.size,
      typeId: src.volumeTypeId,
      zone: src.availabilityZone,
      ...(src.imageMetadata ? { imageMetadata: src.imageMetadata } : {}),
    }
  }
  if (input.imageRef) {
    const image = await ctx.imagesFor(caller.token).getImage(input.imageRef)
    if (!image)
      throw new InvalidInputError(`Invalid image identifier or unable to access requested image.`)
    if (image.status !== 'active') throw new InvalidInputError(`Image ${image.id} is not active.`)
    const virtual = image.virtualSize ?? image.size ?? 0
    const diskFormat = image.diskFormat ?? 'raw'
    return {
      source: { kind: 'image', imageId: image.id, diskFormat },
      minSize: Math.max(image.minDisk, Math.ceil(virtual / GIB), 1),
      imageMetadata: {
        image_id: image.id,
        image_name: image.name,
        checksum: image.checksum ?? '',
        container_format: image.containerFormat ?? 'bare',
        disk_format: diskFormat,
        min_disk: String(image.minDisk),
        min_ram: String(image.minRam),
        size: String(image.size ?? 0),
      },
    }
  }
  return { source: { kind: 'blank' }, minSize: 1 }
}

/** Records a new volume in `creating` and schedules it; the backend work runs in the background. */
export async function createVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  input: VolumeCreateInput,
): Promise<Volume> {
  const origin = await originOf(ctx, caller, input)
  const derived = origin.source.kind === 'snapshot' || origin.source.kind === 'volume'
  const size =
    input.size === undefined || input.size === null
      ? derived
        ? origin.minSize
        : checkSize(input.size)
      : checkSize(input.size)
  if (size < origin.minSize)
    throw new InvalidInputError(
      origin.source.kind === 'image'
        ? `Volume size ${size}GB cannot be smaller than the image minDisk size ${origin.minSize}GB.`
        : `Volume size '${size}' must be an integer and greater than or equal to the source size ${origin.minSize}.`,
    )
  const type = input.volumeType
    ? await resolveType(ctx, caller, input.volumeType)
    : ((origin.typeId ? await getType(ctx.db, origin.typeId) : undefined) ??
      (await defaultType(ctx)))
  if (input.groupId) await assertGroupTakes(ctx, caller, input.groupId, type.id)
  const multiattach = input.multiattach ?? type.extraSpecs['multiattach'] === '<is> True'
  if (multiattach && (await getTypeEncryption(ctx.db, type.id)))
    throw new InvalidVolumeError('Multiattach cannot be used with encrypted volumes.')
  const zones = await availabilityZones(ctx)
  const zone = input.availabilityZone ?? origin.zone ?? ctx.config.availabilityZone
  if (input.availabilityZone && !zones.some((z) => z.name === input.availabilityZone))
    throw new InvalidInputError(`Availability zone '${input.availabilityZone}' is invalid.`)
  const metadata =
    input.metadata === undefined || input.metadata === null ? {} : checkMetadata(input.metadata)
  await checkQuota(ctx, caller.projectId, { volumes: 1, gigabytes: size, typeName: type.name })
  const now = timestamp(ctx)
  const volume: Volume = {
    id: ctx.ids.uuid(),
    projectId: caller.projectId,
    userId: caller.userId,
    name: input.name ?? null,
    description: input.description ?? null,
    size,
    status: 'creating',
    attachStatus: 'detached',
    previousStatus: null,
    availabilityZone: zone,
    volumeTypeId: type.id,
    snapshotId: input.snapshotId ?? null,
    sourceVolid: input.sourceVolid ?? null,
    host: null,
    bootable: origin.source.kind === 'image' || (derived && origin.imageMetadata !== undefined),
    multiattach,
    metadata,
    adminMetadata: {},
    imageMetadata: origin.imageMetadata ?? null,
    createdAt: now,
    updatedAt: now,
    launchedAt: null,
    groupId: input.groupId ?? null,
  }
  await insertVolume(ctx.db, volume)
  ctx.background.run(`create volume ${volume.id}`, () =>
    buildVolume(ctx, caller, volume, { source: origin.source, extraSpecs: type.extraSpecs }),
  )
  return volume
}

async function failVolume(
  ctx: BlockStorageContext,
  caller: Pick<Caller, 'requestId'>,
  volume: Volume,
  failure: {
    status: string
    event: 'schedule' | 'createVolume' | 'deleteVolume' | 'extendVolume'
    message: string
  },
) {
  await updateVolume(ctx.db, volume.id, { status: failure.status, updatedAt: timestamp(ctx) })
  await recordFailure(ctx, {
    projectId: volume.projectId,
    requestId: caller.requestId,
    resourceType: 'VOLUME',
    resourceId: volume.id,
    event: failure.event,
    message: failure.message,
  })
  ctx.logger.warn({ volume: volume.id, reason: failure.message }, 'volume operation failed')
}

async function buildVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  volume: Volume,
  spec: { source: VolumeSource; extraSpecs: Record<string, string> },
): Promise<void> {
  // A clone or a volume from a snapshot lives on its source's backend.
  let host: string | null = null
  if (spec.source.kind === 'volume')
    host = (await getVolume(ctx.db, spec.source.sourceId))?.host ?? null
  if (spec.source.kind === 'snapshot') {
    const snaps = await listSnapshots(ctx.db, {})
    const snap = snaps.find((s) => s.id === (spec.source as { snapshotId: string }).snapshotId)
    host = snap ? ((await getVolume(ctx.db, snap.volumeId))?.host ?? null) : null
  }
  if (host === null) {
    const placed = await selectPool(ctx, {
      sizeGb: volume.size,
      zone: volume.availabilityZone,
      extraSpecs: spec.extraSpecs,
    })
    if ('reason' in placed) {
      await failVolume(ctx, caller, volume, {
        status: 'error',
        event: 'schedule',
        message: placed.reason,
      })
      return
    }
    host = placed.pool.name
  }
  await updateVolume(ctx.db, volume.id, { host }, ['creating'])
  try {
    await ctx.agents.createVolume(agentHostOf(host), {
      id: volume.id,
      sizeGb: volume.size,
      source: spec.source,
    })
  } catch (error) {
    await failVolume(ctx, caller, volume, {
      status: 'error',
      event: 'createVolume',
      message: `Creating the volume on ${host} failed: ${reasonOf(error)}`,
    })
    return
  }
  const now = timestamp(ctx)
  const done = await updateVolume(
    ctx.db,
    volume.id,
    { status: 'available', launchedAt: now, updatedAt: now },
    ['creating'],
  )
  if (!done)
    ctx.logger.info({ volume: volume.id }, 'volume left creating before its backend finished')
}

export async function updateVolumeInfo(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  patch: { name?: string | null; description?: string | null; metadata?: unknown },
): Promise<Volume> {
  await visibleVolume(ctx, caller, id)
  const metadata = patch.metadata === undefined ? undefined : checkMetadata(patch.metadata)
  await updateVolume(ctx.db, id, {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(metadata ? { metadata } : {}),
    updatedAt: timestamp(ctx),
  })
  return visibleVolume(ctx, caller, id)
}

/** Starts deleting a volume: refused while attached or with snapshots unless `cascade`. */
export async function deleteVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  options: { cascade?: boolean; force?: boolean } = {},
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  await assertNotFrozen(ctx, v.host)
  const attachments = (await listAttachments(ctx.db, { volumeId: id })).filter(
    (a) => a.attachStatus !== 'detached',
  )
  if (!options.force) {
    if (attachments.length > 0 || v.attachStatus === 'attached')
      throw new InvalidVolumeError(
        `Volume ${id} is attached and cannot be deleted; detach it first.`,
      )
    assertStatus(v, DELETABLE, 'be deleted')
  }
  const snapshots = await listSnapshots(ctx.db, { volumeId: id })
  if (snapshots.length > 0 && !options.cascade)
    throw new InvalidVolumeError(`Volume ${id} still has ${snapshots.length} dependent snapshots.`)
  if (options.cascade && snapshots.some((s) => !['available', 'error'].includes(s.status)))
    throw new InvalidVolumeError(`Volume ${id} has snapshots that are not available or error.`)
  const expect = options.force ? undefined : DELETABLE
  if (!(await updateVolume(ctx.db, id, { status: 'deleting', updatedAt: timestamp(ctx) }, expect)))
    throw new InvalidVolumeError(`Volume ${id} changed status while being deleted.`)
  ctx.background.run(`delete volume ${id}`, () =>
    destroyVolume(
      ctx,
      caller,
      { ...v, status: 'deleting' },
      snapshots.map((s) => s.id),
    ),
  )
}

/** Removes a volume's backend data (its snapshots first), then its records. */
export async function destroyVolume(
  ctx: BlockStorageContext,
  caller: Pick<Caller, 'requestId'>,
  v: Volume,
  snapshotIds: string[],
): Promise<void> {
  try {
    if (v.host) {
      for (const sid of snapshotIds) await ctx.agents.deleteSnapshot(agentHostOf(v.host), sid)
      await ctx.agents.deleteVolume(agentHostOf(v.host), v.id)
    }
  } catch (error) {
    await failVolume(ctx, caller, v, {
      status: 'error_deleting',
      event: 'deleteVolume',
      message: `Deleting the volume on ${v.host ?? 'its backend'} failed: ${reasonOf(error)}`,
    })
    return
  }
  for (const sid of snapshotIds) await deleteSnapshotRow(ctx.db, sid)
  for (const a of await listAttachments(ctx.db, { volumeId: v.id }))
    await deleteAttachmentRow(ctx.db, a.id)
  await deleteVolumeRow(ctx.db, v.id)
}

export async function setVolumeMetadata(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  metadata: unknown,
  replace: boolean,
): Promise<Record<string, string>> {
  const v = await visibleVolume(ctx, caller, id)
  const given = checkMetadata(metadata)
  const next = replace ? given : { ...v.metadata, ...given }
  await updateVolume(ctx.db, id, { metadata: next, updatedAt: timestamp(ctx) })
  return next
}

export async function deleteVolumeMetadataKey(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  key: string,
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  if (!(key in v.metadata)) throw new MetadataKeyNotFoundError('Volume', id, key)
  const next = { ...v.metadata }
  delete next[key]
  await updateVolume(ctx.db, id, { metadata: next, updatedAt: timestamp(ctx) })
}
