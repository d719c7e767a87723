/** @module block-storage/db/migrations/0003-groups: group types, generic volume groups, group snapshots */
import type { Kysely, Migration } from 'kysely'

const ID = 'varchar(64)'
const TIME = 'varchar(32)'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('group_type')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(255)')
    .addColumn('is_public', 'integer', (c) => c.notNull())
    .addColumn('group_specs', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute()
  await db.schema
    .createTable('volume_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', 'varchar(255)')
    .addColumn('description', 'varchar(255)')
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
    .addColumn('group_type_id', ID, (c) => c.notNull())
    .addColumn('volume_type_ids', 'text', (c) => c.notNull())
    .addColumn('group_snapshot_id', ID)
    .addColumn('source_group_id', ID)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute()
  await db.schema
    .createIndex('volume_group_project')
    .on('volume_group')
    .column('project_id')
    .execute()
  await db.schema
    .createTable('group_snapshot')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('group_id', ID, (c) => c.notNull())
    .addColumn('group_type_id', ID, (c) => c.notNull())
    .addColumn('name', 'varchar(255)')
    .addColumn('description', 'varchar(255)')
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute()
  await db.schema.alterTable('volume').addColumn('group_id', ID).execute()
  await db.schema.alterTable('snapshot').addColumn('group_snapshot_id', ID).execute()
}

export const migration0003: Migration = { up }
