/** @module identity/db/migrations/0003-policy-blobs: the `/v3/policies` blob store */
import { MysqlAdapter, sql, type Kysely, type Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  // MariaDB's TEXT stops at 64 KiB, below what a request body may carry.
  const text = db.getExecutor().adapter instanceof MysqlAdapter ? sql`mediumtext` : sql`text`
  await db.schema
    .createTable('policy_blob')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('blob', text, (c) => c.notNull())
    .addColumn('extra', text, (c) => c.notNull())
    .execute()
}

export const migration0003: Migration = { up }
