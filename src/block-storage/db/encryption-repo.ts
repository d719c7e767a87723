/** @module block-storage/db/encryption-repo: the encryption of volume types */
import type { Kysely, Transaction } from 'kysely'
import type { BlockStorageDatabase, VolumeTypeEncryptionTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

/** How the volumes of a type are encrypted. */
export interface TypeEncryption {
  volumeTypeId: string
  encryptionId: string
  provider: string
  cipher: string | null
  keySize: number | null
  controlLocation: string
  createdAt: string
  updatedAt: string | null
}

function fromRow(r: VolumeTypeEncryptionTable): TypeEncryption {
  return {
    volumeTypeId: r.volume_type_id,
    encryptionId: r.encryption_id,
    provider: r.provider,
    cipher: r.cipher,
    keySize: r.key_size === null ? null : Number(r.key_size),
    controlLocation: r.control_location,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export async function getTypeEncryption(
  db: Db,
  typeId: string,
): Promise<TypeEncryption | undefined> {
  const row = await db
    .selectFrom('volume_type_encryption')
    .selectAll()
    .where('volume_type_id', '=', typeId)
    .executeTakeFirst()
  return row && fromRow(row)
}

/** The ids of the volume types that have an encryption. */
export async function listEncryptedTypeIds(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('volume_type_encryption').select('volume_type_id').execute()
  return new Set(rows.map((r) => r.volume_type_id))
}

export async function createTypeEncryption(db: Db, e: TypeEncryption): Promise<void> {
  await db
    .insertInto('volume_type_encryption')
    .values({
      volume_type_id: e.volumeTypeId,
      encryption_id: e.encryptionId,
      provider: e.provider,
      cipher: e.cipher,
      key_size: e.keySize,
      control_location: e.controlLocation,
      created_at: e.createdAt,
      updated_at: e.updatedAt,
    })
    .execute()
}

/** Changes the given fields; false when the type has no encryption. */
export async function updateTypeEncryption(
  db: Db,
  typeId: string,
  patch: Partial<Pick<TypeEncryption, 'provider' | 'cipher' | 'keySize' | 'controlLocation'>> & {
    updatedAt: string
  },
): Promise<boolean> {
  const row: Partial<VolumeTypeEncryptionTable> = { updated_at: patch.updatedAt }
  if (patch.provider !== undefined) row.provider = patch.provider
  if (patch.cipher !== undefined) row.cipher = patch.cipher
  if (patch.keySize !== undefined) row.key_size = patch.keySize
  if (patch.controlLocation !== undefined) row.control_location = patch.controlLocation
  const r = await db
    .updateTable('volume_type_encryption')
    .set(row)
    .where('volume_type_id', '=', typeId)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** False when the type had no encryption. */
export async function deleteTypeEncryption(db: Db, typeId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('volume_type_encryption')
    .where('volume_type_id', '=', typeId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}
