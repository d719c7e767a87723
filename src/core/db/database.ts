/** @module core/db/database: Kysely over SQLite, MariaDB/MySQL or PostgreSQL, chosen by URL */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  type Dialect,
  type Kysely as KyselyType,
} from 'kysely'
import { BadRequestError } from '../errors/index.js'

export const DB_DIALECTS = ['sqlite', 'mysql', 'postgres'] as const
export type DbDialect = (typeof DB_DIALECTS)[number]

/** A parsed database URL. */
export interface DatabaseLocation {
  dialect: DbDialect
  /** sqlite: folder of the per-service files, or `:memory:`. */
  path?: string
  url?: URL
}

/** Parses `sqlite://`, `sqlite:///abs/dir`, `sqlite::memory:`, `mysql://...`, `postgresql://...`. */
export function parseDatabaseUrl(text: string, dataDir: string): DatabaseLocation {
  if (text === 'sqlite::memory:') return { dialect: 'sqlite', path: ':memory:' }
  if (text === 'sqlite://' || text === 'sqlite:')
    return { dialect: 'sqlite', path: join(dataDir, 'db') }
  if (text.startsWith('sqlite://'))
    return { dialect: 'sqlite', path: text.slice('sqlite://'.length) }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new BadRequestError(`database URL '${text}' is not a URL`)
  }
  if (url.protocol === 'mysql:' || url.protocol === 'mariadb:') return { dialect: 'mysql', url }
  if (url.protocol === 'postgresql:' || url.protocol === 'postgres:')
    return { dialect: 'postgres', url }
  throw new BadRequestError(
    `database URL '${url.protocol}//...' must start with sqlite://, mysql:// or postgresql://`,
  )
}

/** The name of one service's database on a shared server: `<base>_<service>`. */
export function serviceDatabaseName(url: URL, service: string): string {
  const base = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'nimbus'
  return `${base}_${service}`.replace(/[^A-Za-z0-9_]/g, '_')
}

/** An open database of one service with the dialect it speaks. */
export interface ServiceDatabase<DB> {
  db: KyselyType<DB>
  dialect: DbDialect
  close(): Promise<void>
}

async function sqliteDialect(path: string, service: string): Promise<Dialect> {
  const { default: SQLite } = await import('better-sqlite3')
  let file = ':memory:'
  if (path !== ':memory:') {
    mkdirSync(path, { recursive: true })
    file = join(path, `${service}.sqlite`)
  }
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  return new SqliteDialect({ database: withStatementCache(database) })
}

type SqliteHandle = InstanceType<typeof import('better-sqlite3')>

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares each query it runs.
 * Reusing compiled statements by SQL text removes that cost from every request.
 */
function withStatementCache(database: SqliteHandle, max = 500) {
  const cache = new Map<string, ReturnType<SqliteHandle['prepare']>>()
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql)
      if (!statement) {
        statement = database.prepare(sql)
        if (cache.size >= max) cache.delete(cache.keys().next().value as string)
        cache.set(sql, statement)
      }
      return statement
    },
  }
}

async function mysqlDialect(url: URL, service: string): Promise<Dialect> {
  const mysql = await import('mysql2')
  const name = serviceDatabaseName(url, service)
  const options = {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  }
  const admin = mysql.createConnection(options).promise()
  try {
    await admin.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    )
  } finally {
    await admin.end()
  }
  return new MysqlDialect({
    pool: mysql.createPool({ ...options, database: name, connectionLimit: 10, timezone: 'Z' }),
  })
}

async function postgresDialect(url: URL, service: string): Promise<Dialect> {
  const pg = await import('pg')
  const name = serviceDatabaseName(url, service).toLowerCase()
  const options = {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  }
  const admin = new pg.default.Client({ ...options, database: 'postgres' })
  await admin.connect()
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`)
  } catch (error) {
    // Two processes may race to create it; a duplicate is fine.
    if ((error as { code?: string }).code !== '42P04') throw error
  } finally {
    await admin.end()
  }
  return new PostgresDialect({ pool: new pg.default.Pool({ ...options, database: name, max: 10 }) })
}

/** Opens (creating when needed) the database of one service. */
export async function openServiceDatabase<DB>(
  location: DatabaseLocation,
  service: string,
): Promise<ServiceDatabase<DB>> {
  let dialect: Dialect
  if (location.dialect === 'sqlite')
    dialect = await sqliteDialect(location.path ?? ':memory:', service)
  else if (location.dialect === 'mysql') dialect = await mysqlDialect(location.url as URL, service)
  else dialect = await postgresDialect(location.url as URL, service)
  const db = new Kysely<DB>({ dialect })
  return { db, dialect: location.dialect, close: () => db.destroy() }
}
