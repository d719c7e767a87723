/** @module image/service/image-access: who may see and who may change an image (Glance's rules) */
import { getImage, type Image } from '../db/images-repo.js'
import { getMember } from '../db/members-repo.js'
import { ImageForbiddenError, ImageNotFoundError } from '../errors.js'
import type { ImageCaller, ImageContext } from './context.js'

/** Whether the caller owns the image (admins count as owners of everything). */
export function ownsImage(image: Image, caller: ImageCaller): boolean {
  return caller.isAdmin || (caller.projectId !== null && image.owner === caller.projectId)
}

/**
 * The image if the caller may see it: admins see all; others see their own, public and
 * community images, and shared images they are a member of (whatever the member status).
 * @throws ImageNotFoundError otherwise, so that invisible images look absent.
 */
export async function visibleImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
): Promise<Image> {
  const image = await getImage(ctx.db, id)
  if (!image) throw new ImageNotFoundError(id)
  if (ownsImage(image, caller)) return image
  if (image.visibility === 'public' || image.visibility === 'community') return image
  if (image.visibility === 'shared' && caller.projectId !== null) {
    if (await getMember(ctx.db, id, caller.projectId)) return image
  }
  throw new ImageNotFoundError(id)
}

/**
 * The image if the caller may change it (owner or admin).
 * @throws ImageNotFoundError when invisible, ImageForbiddenError when only visible.
 */
export async function ownedImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  action: string,
): Promise<Image> {
  const image = await visibleImage(ctx, caller, id)
  if (!ownsImage(image, caller)) {
    throw new ImageForbiddenError(`You are not permitted to ${action} this image.`)
  }
  return image
}
