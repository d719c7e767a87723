/** @module compute/db/migrations/0004-block-devices: block device mappings of servers, and what each host's driver can do */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('block_device_mapping')
    .addColumn('uuid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('instance_uuid', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('destination_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('device_name', 'varchar(255)')
    .addColumn('boot_index', 'integer')
    .addColumn('volume_id', 'varchar(64)')
    .addColumn('attachment_id', 'varchar(64)')
    .addColumn('image_id', 'varchar(64)')
    .addColumn('snapshot_id', 'varchar(64)')
    .addColumn('volume_size', 'integer')
    .addColumn('volume_type', 'varchar(255)')
    .addColumn('delete_on_termination', 'integer', (c) => c.notNull())
    .addColumn('tag', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute()
  await db.schema
    .createIndex('block_device_mapping_instance_idx')
    .on('block_device_mapping')
    .column('instance_uuid')
    .execute()
  await db.schema
    .createTable('host_capability')
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('capability', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('host_capability_pk', ['host', 'capability'])
    .execute()
}

export const migration0004: Migration = { up }
