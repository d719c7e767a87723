/** @module image/service/recovery: repairs images a stopped process left in a transitional state */
import { imagesInStatus, updateImage } from '../db/images-repo.js'
import { timestamp, type ImageContext } from './context.js'

/**
 * Puts interrupted uploads back to queued (their partial files are gone with the store's
 * temporary files), and interrupted imports back to uploading when the staged data survived.
 * Resolves how many images it repaired.
 */
export async function recoverInterruptedImages(ctx: ImageContext): Promise<number> {
  const stuck = await imagesInStatus(ctx.db, ['saving', 'importing'])
  for (const image of stuck) {
    const staged = image.status === 'importing' && (await ctx.staging.size(image.id)) !== undefined
    await updateImage(
      ctx.db,
      image.id,
      { status: staged ? 'uploading' : 'queued', updatedAt: timestamp(ctx) },
      { expectStatus: [image.status] },
    )
    ctx.logger.warn({ imageId: image.id, was: image.status }, 'repaired an interrupted image')
  }
  return stuck.length
}
