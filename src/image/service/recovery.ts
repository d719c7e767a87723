/** @module image/service/recovery: repairs images a stopped process left in a transitional state */
import { imagesInStatus, updateImage, type Image } from '../db/images-repo.js'
import { timestamp, type ImageContext } from './context.js'

/** Where an interrupted image goes back to, given whether its staged data survived. */
function repairedStatus(image: Image, staged: boolean): 'queued' | 'uploading' | undefined {
  if (image.status === 'uploading') return staged ? undefined : 'queued'
  return image.status === 'importing' && staged ? 'uploading' : 'queued'
}

/**
 * Runs once at start, before the API serves. Puts interrupted uploads (`saving`) back to
 * queued, interrupted imports back to uploading when their staged data survived (else queued),
 * and interrupted stages (`uploading` with no staged data) back to queued. Data an interrupted
 * upload or import already wrote under the image's key is removed: nothing active points to
 * it, and it would make the next upload fail. Resolves how many images it repaired.
 */
export async function recoverInterruptedImages(ctx: ImageContext): Promise<number> {
  const stuck = await imagesInStatus(ctx.db, ['saving', 'importing', 'uploading'])
  let repaired = 0
  for (const image of stuck) {
    const staged = (await ctx.staging.size(image.id)) !== undefined
    const status = repairedStatus(image, staged)
    if (status === undefined) continue
    if (image.status !== 'uploading') await ctx.store.delete(image.id)
    const done = await updateImage(
      ctx.db,
      image.id,
      { status, updatedAt: timestamp(ctx), ...(status === 'queued' ? { size: null } : {}) },
      { expectStatus: [image.status] },
    )
    if (!done) continue
    repaired += 1
    ctx.logger.warn({ imageId: image.id, was: image.status, now: status }, 'repaired an image')
  }
  return repaired
}
