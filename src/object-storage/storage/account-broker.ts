/** @module object-storage/storage/account-broker: one account's SQLite database */
import { statement, type SqliteDatabase } from './sqlite-handles.js'
import { mergeMetadata, type TimedMetadata } from './container-broker.js'
import { pageSql, walkListing, type ListingEntry, type ListingQuery } from './listing-query.js'

export const ACCOUNT_SCHEMA = `
CREATE TABLE IF NOT EXISTS container (
  name TEXT PRIMARY KEY, put_timestamp TEXT NOT NULL, delete_timestamp TEXT NOT NULL,
  object_count INTEGER NOT NULL, bytes_used INTEGER NOT NULL, deleted INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stat (
  id INTEGER PRIMARY KEY CHECK (id = 0), account TEXT NOT NULL, created_at TEXT NOT NULL,
  put_timestamp TEXT NOT NULL, metadata TEXT NOT NULL);
`

/** A container as its account lists it. */
export interface ContainerRow {
  name: string
  putTimestamp: string
  deleteTimestamp: string
  objectCount: number
  bytesUsed: number
  deleted: boolean
}

/** What HEAD of an account reports. */
export interface AccountInfo {
  account: string
  createdAt: string
  putTimestamp: string
  containerCount: number
  objectCount: number
  bytesUsed: number
  metadata: TimedMetadata
}

interface RawContainerRow {
  name: string
  put_timestamp: string
  delete_timestamp: string
  object_count: number
  bytes_used: number
  deleted: number
}

function toRow(raw: RawContainerRow): ContainerRow {
  return {
    name: raw.name,
    putTimestamp: raw.put_timestamp,
    deleteTimestamp: raw.delete_timestamp,
    objectCount: raw.object_count,
    bytesUsed: raw.bytes_used,
    deleted: raw.deleted === 1,
  }
}

function rowStamp(row: { putTimestamp: string; deleteTimestamp: string }): string {
  return row.putTimestamp > row.deleteTimestamp ? row.putTimestamp : row.deleteTimestamp
}

/** Reads and writes one account database. */
export class AccountBroker {
  constructor(private readonly db: SqliteDatabase) {}

  /** Runs `fn` in one transaction (nested calls become savepoints), committed once. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  initialize(account: string, timestamp: string): void {
    statement(this.db, `INSERT OR IGNORE INTO stat VALUES (0, ?, ?, ?, '{}')`).run(
      account,
      timestamp,
      timestamp,
    )
  }

  info(): AccountInfo | undefined {
    const raw = statement(this.db, 'SELECT * FROM stat WHERE id = 0').get() as
      { account: string; created_at: string; put_timestamp: string; metadata: string } | undefined
    if (!raw) return undefined
    const totals = statement(
      this.db,

      `SELECT count(*) AS c, coalesce(sum(object_count), 0) AS o, coalesce(sum(bytes_used), 0) AS b
         FROM container WHERE deleted = 0`,
    ).get() as { c: number; o: number; b: number }
    return {
      account: raw.account,
      createdAt: raw.created_at,
      putTimestamp: raw.put_timestamp,
      containerCount: totals.c,
      objectCount: totals.o,
      bytesUsed: totals.b,
      metadata: JSON.parse(raw.metadata) as TimedMetadata,
    }
  }

  /** The account's metadata alone (no totals), or undefined when the account is not here. */
  metadata(): TimedMetadata | undefined {
    const raw = statement(this.db, 'SELECT metadata FROM stat WHERE id = 0').get() as
      { metadata: string } | undefined
    return raw ? (JSON.parse(raw.metadata) as TimedMetadata) : undefined
  }

  updateMetadata(update: TimedMetadata): void {
    const raw = statement(this.db, 'SELECT metadata FROM stat WHERE id = 0').get() as
      { metadata: string } | undefined
    if (!raw) return
    const merged = mergeMetadata(JSON.parse(raw.metadata) as TimedMetadata, update)
    statement(this.db, 'UPDATE stat SET metadata = ?').run(JSON.stringify(merged))
  }

  /** Applies container rows: a newer put/delete timestamp replaces the row; stats always refresh. */
  mergeContainers(rows: readonly ContainerRow[]): void {
    const get = statement(this.db, 'SELECT * FROM container WHERE name = ?')
    const put = statement(this.db, 'INSERT OR REPLACE INTO container VALUES (?, ?, ?, ?, ?, ?)')
    this.db.transaction(() => {
      for (const row of rows) {
        const old = get.get(row.name) as RawContainerRow | undefined
        if (old && rowStamp(toRow(old)) > rowStamp(row)) continue
        put.run(
          row.name,
          row.putTimestamp,
          row.deleteTimestamp,
          row.objectCount,
          row.bytesUsed,
          row.deleted ? 1 : 0,
        )
      }
    })()
  }

  allContainers(): ContainerRow[] {
    return (statement(this.db, 'SELECT * FROM container').all() as RawContainerRow[]).map(toRow)
  }

  list(query: ListingQuery): ListingEntry<ContainerRow>[] {
    return walkListing(query, (page) => {
      const sql = pageSql('container', page)
      const raw = statement(
        this.db,
        `SELECT * FROM ${sql.where} ORDER BY ${sql.order} LIMIT ?`,
      ).all(...sql.params, page.limit) as RawContainerRow[]
      return raw.map(toRow)
    })
  }
}
