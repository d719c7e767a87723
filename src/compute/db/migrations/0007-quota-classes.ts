/** @module compute/db/migrations/0007-quota-classes: quota class limits (the `default` class sets every project's defaults) */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('quota_class')
    .addColumn('class_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_class_pk', ['class_name', 'resource'])
    .execute()
}

export const migration0007: Migration = { up }
