/** @module placement/db/migrations/0001-initial: the placement schema */
import type { Kysely, Migration } from 'kysely'

const ID = 'varchar(64)'
const NAME = 'varchar(255)'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('resource_provider')
    .addColumn('uuid', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('parent_provider_uuid', ID)
    .addColumn('root_provider_uuid', ID, (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('inventory')
    .addColumn('provider_uuid', ID, (c) => c.notNull())
    .addColumn('resource_class', NAME, (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('reserved', 'integer', (c) => c.notNull())
    .addColumn('min_unit', 'integer', (c) => c.notNull())
    .addColumn('max_unit', 'integer', (c) => c.notNull())
    .addColumn('step_size', 'integer', (c) => c.notNull())
    .addColumn('allocation_ratio', 'real', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventory_pk', ['provider_uuid', 'resource_class'])
    .execute()
  await db.schema
    .createTable('allocation')
    .addColumn('consumer_id', ID, (c) => c.notNull())
    .addColumn('provider_uuid', ID, (c) => c.notNull())
    .addColumn('resource_class', NAME, (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('allocation_pk', ['consumer_id', 'provider_uuid', 'resource_class'])
    .execute()
  await db.schema
    .createIndex('allocation_provider')
    .on('allocation')
    .columns(['provider_uuid', 'resource_class'])
    .execute()
  await db.schema
    .createTable('consumer')
    .addColumn('uuid', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('provider_trait')
    .addColumn('provider_uuid', ID, (c) => c.notNull())
    .addColumn('trait', NAME, (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_trait_pk', ['provider_uuid', 'trait'])
    .execute()
  await db.schema
    .createTable('provider_aggregate')
    .addColumn('provider_uuid', ID, (c) => c.notNull())
    .addColumn('aggregate_uuid', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_aggregate_pk', ['provider_uuid', 'aggregate_uuid'])
    .execute()
}

export const migration0001: Migration = { up }
