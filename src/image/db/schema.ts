/** @module image/db/schema: the image database's tables as Kysely sees them */

/** One image; `deleted` rows are kept (soft delete) so an id is never reused, as in Glance. */
export interface ImageTable {
  id: string
  name: string | null
  status: string
  visibility: string
  size: number | string | null
  virtual_size: number | string | null
  checksum: string | null
  os_hash_algo: string | null
  os_hash_value: string | null
  disk_format: string | null
  container_format: string | null
  min_disk: number
  min_ram: number
  protected: number
  os_hidden: number
  owner: string | null
  /** Extra properties as a JSON object of strings. */
  properties: string
  /** Store id holding the data, null while there is none. */
  store: string | null
  /** Store-specific key of the data. */
  location: string | null
  created_at: string
  updated_at: string
  deleted: number
  deleted_at: string | null
}

export interface ImageTagTable {
  image_id: string
  value: string
}

export interface ImageMemberTable {
  image_id: string
  member: string
  status: string
  created_at: string
  updated_at: string
}

/** Files of the default-images folder already registered, so each is registered once. */
export interface DefaultImageTable {
  file_name: string
  image_id: string
}

export interface ImageDatabase {
  image: ImageTable
  image_tag: ImageTagTable
  image_member: ImageMemberTable
  default_image: DefaultImageTable
}
