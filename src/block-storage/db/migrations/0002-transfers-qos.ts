/** @module block-storage/db/migrations/0002-transfers-qos: volume transfers and QoS specs */
import type { Kysely, Migration } from 'kysely'

const ID = 'varchar(64)'
const TIME = 'varchar(32)'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('transfer')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('volume_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('name', 'varchar(255)')
    .addColumn('salt', 'varchar(64)', (c) => c.notNull())
    .addColumn('crypt_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('no_snapshots', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute()
  await db.schema.createIndex('transfer_volume').on('transfer').column('volume_id').execute()
  await db.schema
    .createTable('qos_specs')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('consumer', 'varchar(32)', (c) => c.notNull())
    .addColumn('specs', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute()
  await db.schema.alterTable('volume_type').addColumn('qos_specs_id', ID).execute()
}

export const migration0002: Migration = { up }
