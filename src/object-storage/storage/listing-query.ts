/** @module object-storage/storage/listing-query: Swift's listing walk (prefix, delimiter, markers) */

/** Parameters of a container or account listing. */
export interface ListingQuery {
  prefix?: string
  delimiter?: string
  marker?: string
  endMarker?: string
  limit: number
  reverse?: boolean
  /** Objects directly under a pseudo-folder (`path=`), Swift's legacy form. */
  path?: string
}

/** A listed row or a pseudo-folder. */
export type ListingEntry<Row> = { kind: 'row'; row: Row } | { kind: 'subdir'; name: string }

/** Fetches up to `limit` rows strictly after `marker` (before it when reversed). */
export type RowFetcher<Row extends { name: string }> = (page: {
  marker: string | undefined
  endMarker: string | undefined
  prefix: string
  limit: number
  reverse: boolean
}) => Row[]

/** Walks rows as Swift does: a delimiter folds names into `subdir` entries, skipping past them. */
export function walkListing<Row extends { name: string }>(
  query: ListingQuery,
  fetch: RowFetcher<Row>,
): ListingEntry<Row>[] {
  const reverse = query.reverse === true
  let prefix = query.prefix ?? ''
  let delimiter = query.delimiter
  if (query.path !== undefined) {
    prefix = query.path === '' || query.path.endsWith('/') ? query.path : `${query.path}/`
    delimiter = '/'
  }
  const out: ListingEntry<Row>[] = []
  let marker = query.marker
  while (out.length < query.limit) {
    const want = query.limit - out.length
    const rows = fetch({ marker, endMarker: query.endMarker, prefix, limit: want, reverse })
    if (rows.length === 0) break
    let skipped = false
    for (const row of rows) {
      marker = row.name
      const rest = row.name.slice(prefix.length)
      const at = delimiter ? rest.indexOf(delimiter) : -1
      if (delimiter && at >= 0) {
        const dir = prefix + rest.slice(0, at + delimiter.length)
        if (query.path !== undefined) continue
        out.push({ kind: 'subdir', name: dir })
        // Skip every name under this pseudo-folder.
        marker = reverse
          ? dir
          : `${dir.slice(0, -1)}${String.fromCharCode(dir.charCodeAt(dir.length - 1) + 1)}`
        skipped = true
        break
      }
      out.push({ kind: 'row', row })
      if (out.length >= query.limit) break
    }
    if (!skipped && rows.length < want) break
  }
  return out
}

/** SQL of a page: `name > marker AND name < endMarker AND name LIKE prefix%`. */
export function pageSql(
  table: string,
  page: {
    marker: string | undefined
    endMarker: string | undefined
    prefix: string
    reverse: boolean
  },
): { where: string; params: unknown[]; order: string } {
  const clauses = ['deleted = 0']
  const params: unknown[] = []
  const [after, before] = page.reverse
    ? [page.endMarker, page.marker]
    : [page.marker, page.endMarker]
  if (after !== undefined && after !== '') {
    clauses.push('name > ?')
    params.push(after)
  }
  if (before !== undefined && before !== '') {
    clauses.push('name < ?')
    params.push(before)
  }
  if (page.prefix !== '') {
    clauses.push('name >= ? AND instr(name, ?) = 1')
    params.push(page.prefix, page.prefix)
  }
  return {
    where: `${table} WHERE ${clauses.join(' AND ')}`,
    params,
    order: page.reverse ? 'name DESC' : 'name ASC',
  }
}
