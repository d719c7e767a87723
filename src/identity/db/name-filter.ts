/** @module identity/db/name-filter: Keystone's `name__contains` and `name__icontains`, alike on every dialect */

/** Substring filters on a name; both optional and combined with AND. */
export interface NameFilter {
  /** Case-sensitive substring. */
  nameContains?: string
  /** Case-insensitive substring. */
  nameIcontains?: string
}

/**
 * Matched in code rather than with LIKE: SQLite's LIKE ignores case where MariaDB's (utf8mb4_bin)
 * and PostgreSQL's do not, and a `%` or `_` in the text would act as a wildcard.
 */
export function matchesName(name: string, filter: NameFilter): boolean {
  if (filter.nameContains !== undefined && !name.includes(filter.nameContains)) return false
  if (
    filter.nameIcontains !== undefined &&
    !name.toLowerCase().includes(filter.nameIcontains.toLowerCase())
  )
    return false
  return true
}
