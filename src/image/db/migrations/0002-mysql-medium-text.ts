/** @module image/db/migrations/0002-mysql-medium-text: image properties that fit any request body on MariaDB */
import { MysqlAdapter, sql, type Kysely, type Migration } from 'kysely'

/**
 * `image.properties` holds the extra properties as JSON. MariaDB's TEXT holds 65535 bytes, less
 * than an image request body may carry (114688), so a legal create or patch became a 500 there.
 * SQLite's and PostgreSQL's text are unbounded: only MariaDB/MySQL changes.
 */
async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof MysqlAdapter)) return
  await db.schema
    .alterTable('image')
    .modifyColumn('properties', sql`mediumtext`, (c) => c.notNull())
    .execute()
}

export const migration0002: Migration = { up }
