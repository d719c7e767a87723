/** @module object-storage/storage/sqlite-handles: a bounded cache of open SQLite files */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

export type SqliteDatabase = Database.Database

const statements = new WeakMap<SqliteDatabase, Map<string, Database.Statement>>()

/** The prepared statement for `sql` on `db`, prepared once per open database. */
export function statement(db: SqliteDatabase, sql: string): Database.Statement {
  let cache = statements.get(db)
  if (!cache) {
    cache = new Map()
    statements.set(db, cache)
  }
  let prepared = cache.get(sql)
  if (!prepared) {
    prepared = db.prepare(sql)
    cache.set(sql, prepared)
  }
  return prepared
}

/** Opens per-container and per-account databases on demand, closing the least recently used. */
export class SqliteHandles {
  private readonly open = new Map<string, SqliteDatabase>()

  constructor(private readonly max = 256) {}

  /** The open database at `path`, created with `schema` when missing. */
  get(path: string, schema: string): SqliteDatabase {
    const cached = this.open.get(path)
    if (cached) {
      this.open.delete(path)
      this.open.set(path, cached)
      return cached
    }
    mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    // This cache is the only connection to its files (the process owns its devices): holding the
    // lock for the connection's life spares each statement the file-lock calls and the shared
    // WAL index, about five times the cost of a one-row read.
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec(schema)
    this.open.set(path, db)
    if (this.open.size > this.max) {
      const [oldest] = this.open.keys()
      if (oldest !== undefined) this.close(oldest)
    }
    return db
  }

  /** Closes one database (before its file is moved or removed). */
  close(path: string): void {
    this.open.get(path)?.close()
    this.open.delete(path)
  }

  closeAll(): void {
    for (const path of [...this.open.keys()]) this.close(path)
  }
}
