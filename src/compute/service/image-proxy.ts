/** @module compute/service/image-proxy: Nova's /images proxy (until 2.35), as the caller */
import { ServiceCallError } from '../../clients/errors.js'
import type { ImageInfo } from '../../clients/image-client.js'
import { BadRequestError, ForbiddenError, NotFoundError } from '../../core/errors/index.js'
import type { ComputeContext } from './context.js'

export type { ImageInfo }

export async function proxyImages(ctx: ComputeContext, token: string): Promise<ImageInfo[]> {
  return ctx.imagesFor(token).listImages()
}

export async function proxyImage(ctx: ComputeContext, token: string, id: string) {
  const image = await ctx.imagesFor(token).getImage(id)
  if (!image || image.status === 'deleted') throw new NotFoundError('Image not found.')
  return image
}

export async function proxyDeleteImage(ctx: ComputeContext, token: string, id: string) {
  await proxyImage(ctx, token, id)
  try {
    await ctx.imagesFor(token).deleteImage(id)
  } catch (error) {
    if (error instanceof ServiceCallError && error.status === 404) {
      throw new NotFoundError('Image not found.')
    }
    throw error
  }
}

/** An image's extra properties as Nova's image metadata: every value as text. */
export function imageMetadataOf(image: ImageInfo): Record<string, string> {
  return Object.fromEntries(
    Object.entries(image.properties).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  )
}

/**
 * Changes an image's metadata through the image service as the caller: merges `set` into it, or
 * with `replace` makes it exactly `set`; `remove` names keys to drop (404 for one it lacks).
 */
export async function changeImageMetadata(
  ctx: ComputeContext,
  token: string,
  id: string,
  input: { set: Record<string, string>; replace?: boolean; remove?: string },
): Promise<Record<string, string>> {
  const image = await proxyImage(ctx, token, id)
  const current = imageMetadataOf(image)
  if (input.remove !== undefined && !(input.remove in current)) {
    throw new NotFoundError(`Image metadata ${input.remove} not found.`)
  }
  const remove = input.replace
    ? Object.keys(current).filter((k) => !(k in input.set))
    : input.remove !== undefined
      ? [input.remove]
      : []
  try {
    const updated = await ctx
      .imagesFor(token)
      .patchProperties(id, image.properties, { set: input.set, remove })
    return imageMetadataOf(updated)
  } catch (error) {
    if (error instanceof ServiceCallError && error.status === 404) {
      throw new NotFoundError('Image not found.')
    }
    if (error instanceof ServiceCallError && error.status === 403) {
      throw new ForbiddenError(error.message)
    }
    if (error instanceof ServiceCallError && error.status < 500) {
      throw new BadRequestError(error.message)
    }
    throw error
  }
}
