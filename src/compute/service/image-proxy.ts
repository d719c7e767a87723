/** @module compute/service/image-proxy: Nova's /images proxy (until 2.35), as the caller */
import { ServiceCallError } from '../../clients/errors.js'
import type { ImageInfo } from '../../clients/image-client.js'
import { NotFoundError } from '../../core/errors/index.js'
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
