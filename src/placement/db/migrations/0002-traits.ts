/** @module placement/db/migrations/0002-traits: the trait catalogue (standard and CUSTOM_ traits) */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trait')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute()
}

export const migration0002: Migration = { up }
