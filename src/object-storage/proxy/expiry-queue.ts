/** @module object-storage/proxy/expiry-queue: objects with X-Delete-At, for the expirer */
import type { SqliteDatabase } from '../storage/sqlite-handles.js'

export const EXPIRY_SCHEMA = `
CREATE TABLE IF NOT EXISTS expiring (
  delete_at INTEGER NOT NULL, account TEXT NOT NULL, container TEXT NOT NULL, object TEXT NOT NULL,
  PRIMARY KEY (account, container, object, delete_at));
CREATE INDEX IF NOT EXISTS expiring_at ON expiring (delete_at);
`

/** One scheduled deletion. */
export interface ExpiryEntry {
  deleteAt: number
  account: string
  container: string
  object: string
}

/** Swift's hidden expiring-objects account, as one table. */
export class ExpiryQueue {
  constructor(private readonly db: SqliteDatabase) {}

  add(entry: ExpiryEntry): void {
    this.db
      .prepare('INSERT OR IGNORE INTO expiring VALUES (?, ?, ?, ?)')
      .run(entry.deleteAt, entry.account, entry.container, entry.object)
  }

  remove(entry: ExpiryEntry): void {
    this.db
      .prepare(
        'DELETE FROM expiring WHERE delete_at = ? AND account = ? AND container = ? AND object = ?',
      )
      .run(entry.deleteAt, entry.account, entry.container, entry.object)
  }

  /** Entries due at `nowSeconds`, oldest first. */
  due(nowSeconds: number, limit = 1000): ExpiryEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM expiring WHERE delete_at <= ? ORDER BY delete_at LIMIT ?')
      .all(nowSeconds, limit) as {
      delete_at: number
      account: string
      container: string
      object: string
    }[]
    return rows.map((r) => ({
      deleteAt: r.delete_at,
      account: r.account,
      container: r.container,
      object: r.object,
    }))
  }
}
