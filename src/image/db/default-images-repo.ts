/** @module image/db/default-images-repo: files of the default-images folder already registered */
import type { Kysely } from 'kysely'
import type { ImageDatabase } from './schema.js'

type Db = Kysely<ImageDatabase>

export async function recordDefaultImage(db: Db, fileName: string, imageId: string): Promise<void> {
  await db.insertInto('default_image').values({ file_name: fileName, image_id: imageId }).execute()
}

/** The registered files, each with the id of the image made from it. */
export async function registeredDefaultImages(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('default_image').select(['file_name', 'image_id']).execute()
  return new Map(rows.map((r) => [r.file_name, r.image_id]))
}
