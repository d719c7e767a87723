/** @module compute/db/migrations/0002-aggregates: host aggregates with metadata (availability zones) */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('aggregate')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('uuid', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute()
  await db.schema
    .createTable('aggregate_host')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('aggregate_host_pk', ['aggregate_id', 'host'])
    .execute()
  await db.schema
    .createTable('aggregate_metadata')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull())
    .addColumn('meta_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('meta_value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('aggregate_metadata_pk', ['aggregate_id', 'meta_key'])
    .execute()
}

export const migration0002: Migration = { up }
