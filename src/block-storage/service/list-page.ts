/** @module block-storage/service/list-page: Cinder's sort, marker, offset and limit on a list */
import { NotFoundError } from '../../core/errors/index.js'
import { InvalidInputError } from '../errors.js'

/** One sort key and direction. */
export interface SortKey {
  key: string
  dir: 'asc' | 'desc'
}

/** How a list is cut into a page. */
export interface PageRequest {
  sort: SortKey[]
  limit?: number
  marker?: string
  offset?: number
}

/** `sort=name:asc,created_at` or `sort_key=name&sort_dir=asc`, checked against `allowed`. */
export function parseSort(
  query: { sort?: string; sortKey?: string; sortDir?: string },
  allowed: readonly string[],
): SortKey[] {
  if (query.sort !== undefined && (query.sortKey !== undefined || query.sortDir !== undefined))
    throw new InvalidInputError(
      "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.",
    )
  const pairs: [string, string | undefined][] =
    query.sort !== undefined
      ? query.sort.split(',').map((part) => {
          const [key = '', dir] = part.trim().split(':')
          return [key.trim(), dir?.trim()]
        })
      : query.sortKey !== undefined || query.sortDir !== undefined
        ? [[query.sortKey ?? 'created_at', query.sortDir]]
        : []
  const out: SortKey[] = []
  for (const [rawKey, dir] of pairs) {
    const key = rawKey === 'name' || rawKey === 'display_name' ? 'name' : rawKey
    if (!allowed.includes(key)) throw new InvalidInputError(`Invalid sort key ${rawKey}`)
    if (dir !== undefined && dir !== 'asc' && dir !== 'desc')
      throw new InvalidInputError(`Unknown sort direction, must be 'desc' or 'asc'`)
    out.push({ key, dir: (dir as 'asc' | 'desc' | undefined) ?? 'desc' })
  }
  if (!out.some((s) => s.key === 'created_at'))
    out.push({ key: 'created_at', dir: out[0]?.dir ?? 'desc' })
  if (!out.some((s) => s.key === 'id')) out.push({ key: 'id', dir: out[0]?.dir ?? 'desc' })
  return out
}

/** A non-negative integer query value, or undefined; 400 for anything else. */
export function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidInputError(`${name} must be a non-negative integer: '${value}'`)
  return Number(value.trim())
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return -1
  if (b === null || b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a) < String(b) ? -1 : 1
}

/** Sorts, skips past the marker and offset, and cuts to the limit. */
export function page<T extends { id: string }>(
  items: T[],
  request: PageRequest,
  field: (item: T, key: string) => unknown,
): { items: T[]; more: boolean } {
  const sorted = [...items].sort((x, y) => {
    for (const s of request.sort) {
      const c = compare(field(x, s.key), field(y, s.key))
      if (c !== 0) return s.dir === 'asc' ? c : -c
    }
    return 0
  })
  let start = 0
  if (request.marker !== undefined) {
    const at = sorted.findIndex((i) => i.id === request.marker)
    if (at < 0) throw new NotFoundError(`Marker ${request.marker} could not be found.`)
    start = at + 1
  }
  start += request.offset ?? 0
  const rest = sorted.slice(start)
  if (request.limit === undefined) return { items: rest, more: false }
  // Cinder links to a next page whenever a page is full, even when that next page is empty.
  const cut = rest.slice(0, request.limit)
  return { items: cut, more: request.limit > 0 && cut.length === request.limit }
}

/** `{'k': 'v'}` as Python's repr prints a dict (what Tempest and the CLI send), or JSON. */
export function parseMetadataFilter(text: string): Record<string, string> {
  const attempts = [text, text.replace(/'/g, '"')]
  for (const attempt of attempts) {
    try {
      const parsed = JSON.parse(attempt) as unknown
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]))
    } catch {
      // try the next spelling
    }
  }
  throw new InvalidInputError(`metadata filter '${text}' is not a dictionary`)
}
