/** @module image/service/images: create, show, delete, deactivate and tag images */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  createImage as insertImage,
  getImage,
  imageIdTaken,
  markImageDeleted,
  setImageTags,
  updateImage,
  type Image,
} from '../db/images-repo.js'
import {
  ImageDuplicateError,
  ImageForbiddenError,
  ImageNotFoundError,
  ImageStatusConflictError,
  ImageTagNotFoundError,
} from '../errors.js'
import { timestamp, type ImageCaller, type ImageContext } from './context.js'
import { ownedImage, visibleImage } from './image-access.js'
import type { Visibility } from './image-attributes.js'
import { checkImageCount, checkPropertyCount, checkTagCount } from './quotas.js'

export type { Image } from '../db/images-repo.js'

/** What a client may give when creating an image; everything optional. */
export interface ImageCreateInput {
  id?: string
  name?: string | null
  diskFormat?: string | null
  containerFormat?: string | null
  minDisk?: number
  minRam?: number
  protected?: boolean
  osHidden?: boolean
  visibility?: Visibility
  owner?: string | null
  tags?: string[]
  properties: Record<string, string>
}

/** Refuses visibilities the caller's policy does not allow. */
export function checkVisibilityChange(caller: ImageCaller, visibility: string): void {
  if (visibility === 'public' && !caller.mayPublicize) {
    throw new ImageForbiddenError('You are not authorized to complete publicize_image action.')
  }
  if (visibility === 'community' && !caller.mayCommunitize) {
    throw new ImageForbiddenError('You are not authorized to complete communitize_image action.')
  }
}

/** Refuses an owner other than the caller's project unless the caller is an admin. */
export function checkOwnerChange(caller: ImageCaller, owner: string | null): void {
  if (!caller.isAdmin && owner !== caller.projectId) {
    throw new ImageForbiddenError(`You are not permitted to create images owned by '${owner}'.`)
  }
}

/** Registers a queued image without data (Glance's `POST /v2/images`). */
export async function createImage(
  ctx: ImageContext,
  caller: ImageCaller,
  input: ImageCreateInput,
): Promise<Image> {
  const visibility = input.visibility ?? 'shared'
  checkVisibilityChange(caller, visibility)
  const owner = input.owner === undefined ? caller.projectId : input.owner
  if (input.owner !== undefined) checkOwnerChange(caller, owner)
  const tags = [...new Set(input.tags ?? [])]
  checkPropertyCount(ctx, Object.keys(input.properties).length)
  checkTagCount(ctx, tags.length)
  if (owner !== null) await checkImageCount(ctx, owner)
  const id = input.id ?? ctx.ids.uuid()
  const now = timestamp(ctx)
  const image: Image = {
    id,
    name: input.name ?? null,
    status: 'queued',
    visibility,
    size: null,
    virtualSize: null,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    diskFormat: input.diskFormat ?? null,
    containerFormat: input.containerFormat ?? null,
    minDisk: input.minDisk ?? 0,
    minRam: input.minRam ?? 0,
    protected: input.protected ?? false,
    osHidden: input.osHidden ?? false,
    owner,
    properties: input.properties,
    tags,
    store: null,
    location: null,
    createdAt: now,
    updatedAt: now,
  }
  const duplicate = () => new ImageDuplicateError(`Image with identifier ${id} already exists!`)
  if (await imageIdTaken(ctx.db, id)) throw duplicate()
  try {
    await ctx.db.transaction().execute((tx) => insertImage(tx, image))
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate()
    throw error
  }
  return image
}

/** The image, if the caller may see it. */
export async function showImage(ctx: ImageContext, caller: ImageCaller, id: string) {
  return visibleImage(ctx, caller, id)
}

/** Deletes an image and its data; protected images are refused. */
export async function deleteImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
): Promise<void> {
  const image = await ownedImage(ctx, caller, id, 'delete')
  if (image.protected) {
    throw new ImageForbiddenError(`Image ${id} is protected and cannot be deleted.`)
  }
  await ctx.db.transaction().execute((tx) => markImageDeleted(tx, id, timestamp(ctx)))
  if (image.store !== null && image.location !== null) await ctx.store.delete(image.location)
  if (image.status === 'uploading') await ctx.staging.delete(id)
}

/** Makes an active image's data unavailable to non-admins; idempotent. */
export async function deactivateImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
): Promise<void> {
  const image = await ownedImage(ctx, caller, id, 'deactivate')
  if (image.status === 'deactivated') return
  if (image.status !== 'active') {
    throw new ImageForbiddenError(`Not allowed to deactivate image in status '${image.status}'`)
  }
  const changed = await updateImage(
    ctx.db,
    id,
    { status: 'deactivated', updatedAt: timestamp(ctx) },
    { expectStatus: ['active'] },
  )
  if (!changed) throw new ImageStatusConflictError(`Image ${id} changed status; try again.`)
}

/** Makes a deactivated image's data available again; idempotent. */
export async function reactivateImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
): Promise<void> {
  const image = await ownedImage(ctx, caller, id, 'reactivate')
  if (image.status === 'active') return
  if (image.status !== 'deactivated') {
    throw new ImageForbiddenError(`Not allowed to reactivate image in status '${image.status}'`)
  }
  const changed = await updateImage(
    ctx.db,
    id,
    { status: 'active', updatedAt: timestamp(ctx) },
    { expectStatus: ['deactivated'] },
  )
  if (!changed) throw new ImageStatusConflictError(`Image ${id} changed status; try again.`)
}

/** Adds a tag (adding an existing one succeeds). */
export async function addImageTag(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  tag: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const image = await ownedImage({ ...ctx, db: tx }, caller, id, 'modify')
    if (image.tags.includes(tag)) return
    checkTagCount(ctx, image.tags.length + 1)
    await setImageTags(tx, id, [...image.tags, tag])
    await updateImage(tx, id, { updatedAt: timestamp(ctx) })
  })
}

/** Removes a tag; a missing tag is a 404. */
export async function deleteImageTag(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  tag: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const image = await ownedImage({ ...ctx, db: tx }, caller, id, 'modify')
    if (!image.tags.includes(tag)) throw new ImageTagNotFoundError(tag)
    await setImageTags(
      tx,
      id,
      image.tags.filter((t) => t !== tag),
    )
    await updateImage(tx, id, { updatedAt: timestamp(ctx) })
  })
}

/** Re-reads an image after a change, for the response. */
export async function reloadImage(ctx: ImageContext, id: string): Promise<Image> {
  const image = await getImage(ctx.db, id)
  if (!image) throw new ImageNotFoundError(id)
  return image
}
