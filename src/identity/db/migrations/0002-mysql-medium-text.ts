/** @module identity/db/migrations/0002-mysql-medium-text: text columns that hold any request body on MariaDB */
import { MysqlAdapter, sql, type Kysely, type Migration } from 'kysely'

/**
 * The text columns of 0001, with whether they are NOT NULL. MariaDB's TEXT holds 65535 bytes,
 * less than an identity request body may carry (114688); SQLite's and PostgreSQL's text have no
 * such limit, so only MariaDB/MySQL columns change.
 */
const TEXT_COLUMNS: Readonly<Record<string, readonly (readonly [string, boolean])[]>> = {
  project: [
    ['description', true],
    ['extra', true],
  ],
  user: [
    ['extra', true],
    ['options', true],
  ],
  group: [
    ['description', true],
    ['extra', true],
  ],
  role: [
    ['description', true],
    ['options', true],
    ['extra', true],
  ],
  region: [
    ['description', true],
    ['extra', true],
  ],
  service: [['extra', true]],
  endpoint: [
    ['url', true],
    ['extra', true],
  ],
  application_credential: [['description', false]],
  credential: [
    ['encrypted_blob', true],
    ['extra', true],
  ],
  registered_limit: [['description', false]],
  limit: [['description', false]],
}

async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof MysqlAdapter)) return
  for (const [table, columns] of Object.entries(TEXT_COLUMNS)) {
    for (const [column, notNull] of columns) {
      await db.schema
        .alterTable(table)
        .modifyColumn(column, sql`mediumtext`, (c) => (notNull ? c.notNull() : c))
        .execute()
    }
  }
}

export const migration0002: Migration = { up }
