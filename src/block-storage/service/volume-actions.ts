/** @module block-storage/service/volume-actions: extend, flags, status resets and image upload */
import { listAttachments } from '../db/attachments-repo.js'
import { getType } from '../db/types-repo.js'
import { updateVolume, type Volume } from '../db/volumes-repo.js'
import { InvalidInputError, InvalidVolumeError } from '../errors.js'
import { agentHostOf, listPools } from './backends.js'
import { reasonOf, timestamp, type BlockStorageContext, type Caller } from './context.js'
import { recordFailure } from './messages.js'
import { checkQuota } from './quotas.js'
import { assertStatus, checkSize, visibleVolume } from './volume-access.js'
import { typeEncryption } from './type-encryption.js'
import { resolveType } from './volume-types.js'

/** Grows a volume; in-use volumes only from 3.42 and when the backend can. */
export async function extendVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  input: { newSize: unknown; allowInUse: boolean },
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, input.allowInUse ? ['available', 'in-use'] : ['available'], 'extend')
  if (v.status === 'in-use' && v.host) {
    const pool = (await listPools(ctx)).find((p) => p.name === v.host)
    if (pool && !pool.report.capabilities.onlineExtend)
      throw new InvalidVolumeError(
        `Volume ${id} is attached and its backend ${pool.report.backend} cannot grow a volume in use; detach it first.`,
      )
  }
  const newSize = checkSize(input.newSize, 'new_size')
  if (newSize <= v.size)
    throw new InvalidInputError(
      `New size for extend must be greater than current size. (current: ${v.size}, extended: ${newSize}).`,
    )
  const type = await getType(ctx.db, v.volumeTypeId)
  await checkQuota(ctx, v.projectId, {
    gigabytes: newSize - v.size,
    ...(type ? { typeName: type.name } : {}),
  })
  const back = v.status
  if (!(await updateVolume(ctx.db, id, { status: 'extending', updatedAt: timestamp(ctx) }, [back])))
    throw new InvalidVolumeError(`Volume ${id} changed status meanwhile.`)
  ctx.background.run(`extend volume ${id}`, async () => {
    try {
      if (!v.host) throw new Error('the volume has no backend')
      await ctx.agents.extendVolume(agentHostOf(v.host), id, newSize)
      await updateVolume(ctx.db, id, { status: back, size: newSize, updatedAt: timestamp(ctx) })
    } catch (error) {
      await updateVolume(ctx.db, id, { status: 'error_extending', updatedAt: timestamp(ctx) })
      await recordFailure(ctx, {
        projectId: v.projectId,
        requestId: caller.requestId,
        resourceType: 'VOLUME',
        resourceId: id,
        event: 'extendVolume',
        message: `Extending the volume to ${newSize} GiB failed: ${reasonOf(error)}`,
      })
    }
  })
}

export async function setBootable(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  bootable: boolean,
): Promise<void> {
  await visibleVolume(ctx, caller, id)
  await updateVolume(ctx.db, id, { bootable, updatedAt: timestamp(ctx) })
}

export async function setReadonly(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  readonly: boolean,
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, ['available', 'in-use'], 'update readonly flag')
  await updateVolume(ctx.db, id, {
    adminMetadata: { ...v.adminMetadata, readonly: readonly ? 'True' : 'False' },
    updatedAt: timestamp(ctx),
  })
}

export const VOLUME_STATUSES = [
  'creating',
  'available',
  'reserved',
  'attaching',
  'detaching',
  'in-use',
  'maintenance',
  'deleting',
  'awaiting-transfer',
  'error',
  'error_deleting',
  'backing-up',
  'restoring-backup',
  'error_backing-up',
  'error_restoring',
  'error_extending',
  'downloading',
  'uploading',
  'retyping',
  'extending',
] as const

/** Admin's `os-reset_status`: sets status, attach status, migration status as given. */
export async function resetVolumeStatus(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  input: { status?: string; attachStatus?: string },
): Promise<void> {
  await visibleVolume(ctx, caller, id)
  if (input.status !== undefined && !(VOLUME_STATUSES as readonly string[]).includes(input.status))
    throw new InvalidInputError(`Must specify a valid status: ${input.status} is not one.`)
  if (input.attachStatus !== undefined && !['attached', 'detached'].includes(input.attachStatus))
    throw new InvalidInputError(`Must specify a valid attach status: ${input.attachStatus}.`)
  await updateVolume(ctx.db, id, {
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.attachStatus !== undefined ? { attachStatus: input.attachStatus } : {}),
    updatedAt: timestamp(ctx),
  })
}

/** Changes a volume's type when it stays on its backend (no migration here). */
export async function retypeVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  input: { newType: string; migrationPolicy?: string },
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, ['available', 'in-use'], 'retype')
  const type = await resolveType(ctx, caller, input.newType)
  if (type.id === v.volumeTypeId)
    throw new InvalidInputError('Retype requires a different volume type.')
  // As Cinder's, a change of encryption needs a migration (a new key, the data re-encrypted).
  const encryption = await Promise.all([v.volumeTypeId, type.id].map((t) => typeEncryption(ctx, t)))
  if (JSON.stringify(encryption[0]) !== JSON.stringify(encryption[1]))
    throw new InvalidInputError(
      input.migrationPolicy === 'on-demand'
        ? `Retype to ${type.name} changes the volume's encryption, which needs a migration; volumes are not migrated here.`
        : 'Retype requires migration but is not allowed.',
    )
  const backend = type.extraSpecs['volume_backend_name']
  const current = v.host?.split('#')[1]
  if (backend && current && backend !== current)
    throw new InvalidVolumeError(
      `Volume ${id} lives on backend ${current}; type ${type.name} needs ${backend} and volumes are not migrated between backends.`,
    )
  await checkQuota(ctx, v.projectId, { volumes: 1, gigabytes: v.size, typeName: type.name }).catch(
    (error: unknown) => {
      // The project-wide totals do not change; only the per-type ones count here.
      if (String((error as Error).message).includes(`_${type.name}`)) throw error
    },
  )
  await updateVolume(ctx.db, id, { volumeTypeId: type.id, updatedAt: timestamp(ctx) })
}

/** What `os-volume_upload_image` answers. */
export interface UploadResult {
  volume: Volume
  imageId: string
  imageName: string
  diskFormat: string
  containerFormat: string
}

/** Creates an image of the volume's data in the image service, as the caller. */
export async function uploadToImage(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  input: {
    imageName: string
    diskFormat?: string
    containerFormat?: string
    force?: boolean
    visibility?: string
    protected?: boolean
  },
): Promise<UploadResult> {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, input.force ? ['available', 'in-use'] : ['available'], 'be uploaded to an image')
  const diskFormat = input.diskFormat ?? 'raw'
  if (!['raw', 'qcow2'].includes(diskFormat))
    throw new InvalidInputError(
      `Invalid disk-format '${diskFormat}' specified: raw and qcow2 are supported.`,
    )
  const containerFormat = input.containerFormat ?? 'bare'
  if (containerFormat !== 'bare')
    throw new InvalidInputError(`Invalid container-format '${containerFormat}' specified.`)
  const images = ctx.imagesFor(caller.token)
  const properties: Record<string, string> = {}
  if (v.imageMetadata) {
    for (const [k, val] of Object.entries(v.imageMetadata)) {
      if (
        ![
          'image_id',
          'image_name',
          'checksum',
          'container_format',
          'disk_format',
          'min_disk',
          'min_ram',
          'size',
        ].includes(k)
      )
        properties[k] = val
    }
  }
  const image = await images.createImage({
    name: input.imageName,
    owner: v.projectId,
    properties,
    diskFormat,
    containerFormat,
    minDisk: v.size,
    minRam: 0,
  })
  const back = v.status
  await updateVolume(ctx.db, id, { status: 'uploading', updatedAt: timestamp(ctx) }, [back])
  ctx.background.run(`upload volume ${id}`, async () => {
    try {
      if (!v.host) throw new Error('the volume has no backend')
      await ctx.agents.copyVolumeToImage(agentHostOf(v.host), {
        id,
        imageId: image.id,
        diskFormat,
      })
    } catch (error) {
      await images.deleteImage(image.id).catch(() => undefined)
      await recordFailure(ctx, {
        projectId: v.projectId,
        requestId: caller.requestId,
        resourceType: 'VOLUME',
        resourceId: id,
        event: 'uploadImage',
        message: `Uploading the volume to image ${image.id} failed: ${reasonOf(error)}`,
      })
    } finally {
      await updateVolume(ctx.db, id, { status: back, updatedAt: timestamp(ctx) }, ['uploading'])
    }
  })
  return {
    volume: { ...v, status: 'uploading' },
    imageId: image.id,
    imageName: input.imageName,
    diskFormat,
    containerFormat,
  }
}

/** Whether the volume has attachments that are not yet detached. */
export async function activeAttachments(ctx: BlockStorageContext, id: string) {
  return (await listAttachments(ctx.db, { volumeId: id })).filter(
    (a) => a.attachStatus !== 'detached',
  )
}
