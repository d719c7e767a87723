/** @module identity/api/query: reading Keystone's list filters from a query string */

/** A single string filter (the last one when repeated). */
export function queryString(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined
  return value === undefined ? undefined : String(value)
}

/** Keystone's boolean filters: `0`, `false` and `no` are false, any other present value true. */
export function queryBool(query: Record<string, unknown>, name: string): boolean | undefined {
  const value = queryString(query, name)
  if (value === undefined) return undefined
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase())
}

/** A flag that counts as set when present without a value (`?effective`). */
export function queryFlag(query: Record<string, unknown>, name: string): boolean {
  if (!(name in query)) return false
  const value = queryString(query, name)
  return value === undefined || value === '' || !['0', 'false', 'no'].includes(value.toLowerCase())
}

/** A comma-separated list filter (`tags=a,b`). */
export function queryList(query: Record<string, unknown>, name: string): string[] | undefined {
  const value = queryString(query, name)
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
}

/** Extra attributes of an entity: every body field the API does not model itself. */
export function extraFields(
  body: Record<string, unknown>,
  known: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !known.includes(key)))
}
