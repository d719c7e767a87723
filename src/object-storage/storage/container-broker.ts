/** @module object-storage/storage/container-broker: one container's SQLite database */
import { statement, type SqliteDatabase } from './sqlite-handles.js'
import { pageSql, walkListing, type ListingEntry, type ListingQuery } from './listing-query.js'

export const CONTAINER_SCHEMA = `
CREATE TABLE IF NOT EXISTS object (
  name TEXT PRIMARY KEY, created_at TEXT NOT NULL, size INTEGER NOT NULL,
  content_type TEXT NOT NULL, etag TEXT NOT NULL, deleted INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stat (
  id INTEGER PRIMARY KEY CHECK (id = 0), account TEXT NOT NULL, container TEXT NOT NULL,
  created_at TEXT NOT NULL, put_timestamp TEXT NOT NULL, delete_timestamp TEXT NOT NULL,
  object_count INTEGER NOT NULL, bytes_used INTEGER NOT NULL, metadata TEXT NOT NULL);
`

/** A row of a container listing. */
export interface ObjectRow {
  name: string
  createdAt: string
  size: number
  contentType: string
  etag: string
  deleted: boolean
}

/** Metadata as Swift keeps it: header name to value and the timestamp that set it. */
export type TimedMetadata = Record<string, [string, string]>

/** What HEAD of a container reports. */
export interface ContainerInfo {
  account: string
  container: string
  createdAt: string
  putTimestamp: string
  deleteTimestamp: string
  objectCount: number
  bytesUsed: number
  metadata: TimedMetadata
}

interface StatRow {
  account: string
  container: string
  created_at: string
  put_timestamp: string
  delete_timestamp: string
  object_count: number
  bytes_used: number
  metadata: string
}

interface RawObjectRow {
  name: string
  created_at: string
  size: number
  content_type: string
  etag: string
  deleted: number
}

function toRow(raw: RawObjectRow): ObjectRow {
  return {
    name: raw.name,
    createdAt: raw.created_at,
    size: raw.size,
    contentType: raw.content_type,
    etag: raw.etag,
    deleted: raw.deleted === 1,
  }
}

/** Merges metadata updates: the newer timestamp of each key wins; empty values are deletions. */
export function mergeMetadata(current: TimedMetadata, update: TimedMetadata): TimedMetadata {
  const merged = { ...current }
  for (const [key, value] of Object.entries(update)) {
    const existing = merged[key]
    if (!existing || existing[1] < value[1]) merged[key] = value
  }
  return merged
}

/** Live metadata: keys whose newest value is not empty. */
export function liveMetadata(metadata: TimedMetadata): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata)
      .filter(([, [value]]) => value !== '')
      .map(([key, [value]]) => [key, value]),
  )
}

/** Reads and writes one container database (every method is synchronous and transactional). */
export class ContainerBroker {
  constructor(private readonly db: SqliteDatabase) {}

  /** Runs `fn` in one transaction (nested calls become savepoints), committed once. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /** Creates the stat row, or records a newer PUT of a deleted container. */
  initialize(account: string, container: string, putTimestamp: string): void {
    const existing = this.rawStat()
    if (!existing) {
      statement(
        this.db,
        `INSERT INTO stat VALUES (0, ?, ?, ?, ?, '0000000000.00000', 0, 0, '{}')`,
      ).run(account, container, putTimestamp, putTimestamp)
      return
    }
    if (existing.put_timestamp < putTimestamp) {
      const revived = existing.delete_timestamp > existing.put_timestamp
      statement(
        this.db,

        'UPDATE stat SET put_timestamp = ?, created_at = CASE WHEN ? THEN ? ELSE created_at END',
      ).run(putTimestamp, revived ? 1 : 0, putTimestamp)
    }
  }

  private rawStat(): StatRow | undefined {
    return statement(this.db, 'SELECT * FROM stat WHERE id = 0').get() as StatRow | undefined
  }

  /** The container's state; undefined when never created here. */
  info(): ContainerInfo | undefined {
    const raw = this.rawStat()
    if (!raw) return undefined
    return {
      account: raw.account,
      container: raw.container,
      createdAt: raw.created_at,
      putTimestamp: raw.put_timestamp,
      deleteTimestamp: raw.delete_timestamp,
      objectCount: raw.object_count,
      bytesUsed: raw.bytes_used,
      metadata: JSON.parse(raw.metadata) as TimedMetadata,
    }
  }

  /** Whether the container is deleted (or never existed). */
  isDeleted(): boolean {
    const raw = this.rawStat()
    return !raw || raw.delete_timestamp > raw.put_timestamp
  }

  /** Records a DELETE of the container. */
  markDeleted(timestamp: string): void {
    statement(this.db, 'UPDATE stat SET delete_timestamp = ? WHERE delete_timestamp < ?').run(
      timestamp,
      timestamp,
    )
  }

  updateMetadata(update: TimedMetadata): void {
    const raw = this.rawStat()
    if (!raw) return
    const merged = mergeMetadata(JSON.parse(raw.metadata) as TimedMetadata, update)
    statement(this.db, 'UPDATE stat SET metadata = ?').run(JSON.stringify(merged))
  }

  /** Applies object rows (puts and deletions); for each name the newest `createdAt` wins. */
  mergeObjects(rows: readonly ObjectRow[]): void {
    const get = statement(this.db, 'SELECT * FROM object WHERE name = ?')
    const put = statement(this.db, 'INSERT OR REPLACE INTO object VALUES (?, ?, ?, ?, ?, ?)')
    const adjust = statement(
      this.db,
      'UPDATE stat SET object_count = object_count + ?, bytes_used = bytes_used + ?',
    )
    this.db.transaction(() => {
      for (const row of rows) {
        const old = get.get(row.name) as RawObjectRow | undefined
        if (old && old.created_at >= row.createdAt) continue
        const oldLive = old && old.deleted === 0
        const count = (row.deleted ? 0 : 1) - (oldLive ? 1 : 0)
        const bytes = (row.deleted ? 0 : row.size) - (oldLive ? old.size : 0)
        put.run(row.name, row.createdAt, row.size, row.contentType, row.etag, row.deleted ? 1 : 0)
        if (count !== 0 || bytes !== 0) adjust.run(count, bytes)
      }
    })()
  }

  /** Every row, deleted ones included, for replication. */
  allObjects(): ObjectRow[] {
    return (statement(this.db, 'SELECT * FROM object').all() as RawObjectRow[]).map(toRow)
  }

  /** A listing page as Swift walks it. */
  list(query: ListingQuery): ListingEntry<ObjectRow>[] {
    return walkListing(query, (page) => {
      const sql = pageSql('object', page)
      const raw = statement(
        this.db,
        `SELECT * FROM ${sql.where} ORDER BY ${sql.order} LIMIT ?`,
      ).all(...sql.params, page.limit) as RawObjectRow[]
      return raw.map(toRow)
    })
  }
}
