/** @module core/db/columns: value conversions that make the three dialects look alike */

/** SQLite and MySQL return 0/1 for booleans, PostgreSQL true/false. */
export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1'
}

/** Booleans are stored as small integers everywhere. */
export function fromBool(value: boolean): number {
  return value ? 1 : 0
}

/** JSON columns are text; a bad value reads as the fallback instead of throwing. */
export function parseJsonColumn<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** True when an error is a unique-constraint violation on any of the dialects. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; message?: string }
  return (
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === 'ER_DUP_ENTRY' ||
    e.code === '23505'
  )
}
