/** @module image/db/default-images-repo: files of the default-images folder already registered */
import type { Kysely } from 'kysely'
import type { ImageDatabase } from './schema.js'

type Db = Kysely<ImageDatabase>

export async function recordDefaultImage(db: Db, fileName: string, imageId: string): Promise<void> {
  await db.insertInto('default_image').values({ file_name: fileName, image_id: imageId }).execute()
}

export async function registeredDefaultImages(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('default_image').select('file_name').execute()
  return new Set(rows.map((r) => r.file_name))
}
