/** @module compute/db/migrations/0003-migrations: records of resizes, cold and live migrations, evacuations */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('migration')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('uuid', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('instance_uuid', 'varchar(64)', (c) => c.notNull())
    .addColumn('migration_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('source_compute', 'varchar(255)')
    .addColumn('source_node', 'varchar(255)')
    .addColumn('dest_compute', 'varchar(255)')
    .addColumn('dest_node', 'varchar(255)')
    .addColumn('dest_host', 'varchar(255)')
    .addColumn('old_flavor_id', 'varchar(255)')
    .addColumn('new_flavor_id', 'varchar(255)')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute()
  await db.schema
    .createIndex('migration_instance_idx')
    .on('migration')
    .column('instance_uuid')
    .execute()
}

export const migration0003: Migration = { up }
