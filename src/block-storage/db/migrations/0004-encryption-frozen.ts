/** @module block-storage/db/migrations/0004-encryption-frozen: volume type encryption, frozen backends */
import type { Kysely, Migration } from 'kysely'

const ID = 'varchar(64)'
const TIME = 'varchar(32)'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('volume_type_encryption')
    .addColumn('volume_type_id', ID, (c) => c.primaryKey())
    .addColumn('encryption_id', ID, (c) => c.notNull())
    .addColumn('provider', 'varchar(255)', (c) => c.notNull())
    .addColumn('cipher', 'varchar(255)')
    .addColumn('key_size', 'integer')
    .addColumn('control_location', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute()
  await db.schema
    .alterTable('service')
    .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}

export const migration0004: Migration = { up }
