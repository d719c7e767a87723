/** @module block-storage/service/image-metadata: the image properties a volume carries (`volume_image_metadata`) */
import { updateVolume } from '../db/volumes-repo.js'
import { ImageMetadataNotFoundError, InvalidInputError, InvalidVolumeError } from '../errors.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'
import { visibleVolume } from './volume-access.js'

/** Cinder's image metadata keys: 1 to 255 of letters, digits and `-_:. /`. */
const KEY = /^[a-zA-Z0-9\-_:. /]{1,255}$/
/** Values are stored in a MySQL TEXT column. */
const MAX_VALUE_BYTES = 65535

function checkImageMetadata(metadata: unknown): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new InvalidInputError('metadata must be an object.')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(metadata)) {
    if (!KEY.test(k))
      throw new InvalidInputError(`image metadata key '${k}' is not 1 to 255 of [a-zA-Z0-9-_:. /].`)
    if (typeof v !== 'string' || Buffer.byteLength(v) > MAX_VALUE_BYTES)
      throw new InvalidInputError(`image metadata ${k} must be a string of at most 65535 bytes.`)
    out[k] = v
  }
  return out
}

/** Changes are refused while a volume is in maintenance or being uploaded, as Cinder's. */
function assertChangeable(v: { id: string; status: string }) {
  if (v.status === 'maintenance' || v.status === 'uploading')
    throw new InvalidVolumeError(
      `Updating volume metadata is not allowed for volumes in ${v.status} status.`,
    )
}

export async function imageMetadataOf(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<Record<string, string>> {
  return (await visibleVolume(ctx, caller, id)).imageMetadata ?? {}
}

/** Adds or replaces the given keys; answers all the volume's image metadata. */
export async function setImageMetadata(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  metadata: unknown,
): Promise<Record<string, string>> {
  const v = await visibleVolume(ctx, caller, id)
  assertChangeable(v)
  const next = { ...(v.imageMetadata ?? {}), ...checkImageMetadata(metadata) }
  await updateVolume(ctx.db, id, { imageMetadata: next, updatedAt: timestamp(ctx) })
  return next
}

/** Removes one key; 404 when the volume has no such key. */
export async function unsetImageMetadata(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  key: string,
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  if (!v.imageMetadata || !(key in v.imageMetadata)) throw new ImageMetadataNotFoundError(id)
  assertChangeable(v)
  const next = { ...v.imageMetadata }
  delete next[key]
  await updateVolume(ctx.db, id, {
    imageMetadata: Object.keys(next).length > 0 ? next : null,
    updatedAt: timestamp(ctx),
  })
}
