/** @module network/api/list-query: Neutron's filters, fields, sorting and marker/limit pagination */
import { BadRequestError } from '../../core/errors/index.js'
import type { RouteInput } from '../../core/http/index.js'

type Wire = Record<string, unknown>

const RESERVED = new Set([
  'fields',
  'sort_key',
  'sort_dir',
  'limit',
  'marker',
  'page_reverse',
  'tags',
  'tags-any',
  'not-tags',
  'not-tags-any',
])

function values(value: unknown): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map((v) => String(v))
}

/** The `fields` a caller asked for, or undefined for all. */
export function requestedFields(query: Record<string, unknown>): string[] | undefined {
  const fields = values(query['fields']).flatMap((f) => f.split(','))
  return fields.length > 0 ? fields : undefined
}

/** Keeps only the requested fields of a wire object. */
export function pick(item: Wire, fields: readonly string[] | undefined): Wire {
  if (!fields) return item
  const out: Wire = {}
  for (const f of fields) if (f in item) out[f] = item[f]
  return out
}

function matches(actual: unknown, wanted: string): boolean {
  if (actual === null || actual === undefined)
    return wanted === '' || wanted.toLowerCase() === 'none'
  if (typeof actual === 'boolean') {
    const w = wanted.toLowerCase()
    return actual === (w === 'true' || w === '1')
  }
  if (Array.isArray(actual)) return actual.some((a) => matches(a, wanted))
  if (typeof actual === 'object') return false
  return String(actual) === wanted
}

function fixedIpsMatch(item: Wire, wanted: string[]): boolean {
  const ips = (item['fixed_ips'] as { subnet_id: string; ip_address: string }[] | undefined) ?? []
  return wanted.every((w) => {
    const [key = '', value = ''] = w.split('=')
    if (key === 'ip_address_substr') return ips.some((ip) => ip.ip_address.includes(value))
    return ips.some((ip) => String((ip as Record<string, unknown>)[key]) === value)
  })
}

function tagsMatch(item: Wire, query: Record<string, unknown>): boolean {
  const tags = new Set((item['tags'] as string[] | undefined) ?? [])
  const list = (key: string) =>
    values(query[key])
      .flatMap((v) => v.split(','))
      .filter((t) => t !== '')
  const all = list('tags')
  const any = list('tags-any')
  const notAll = list('not-tags')
  const notAny = list('not-tags-any')
  if (all.length > 0 && !all.every((t) => tags.has(t))) return false
  if (any.length > 0 && !any.some((t) => tags.has(t))) return false
  if (notAll.length > 0 && notAll.every((t) => tags.has(t))) return false
  if (notAny.length > 0 && notAny.some((t) => tags.has(t))) return false
  return true
}

/** Applies every attribute filter of the query (several values of one key match any). */
export function filterItems(items: readonly Wire[], query: Record<string, unknown>): Wire[] {
  const filters = Object.entries(query).filter(([k]) => !RESERVED.has(k))
  return items.filter((item) => {
    if (!tagsMatch(item, query)) return false
    for (const [key, raw] of filters) {
      const wanted = values(raw)
      if (key === 'fixed_ips') {
        if (!fixedIpsMatch(item, wanted)) return false
        continue
      }
      if (!(key in item)) continue
      if (!wanted.some((w) => matches(item[key], w))) return false
    }
    return true
  })
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return -1
  if (b === null || b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return String(a) < String(b) ? -1 : 1
}

/** A list answer: filtered, sorted, paged items with `<collection>_links` when paged. */
export function listBody(
  input: RouteInput,
  collection: string,
  items: readonly Wire[],
): Record<string, unknown> {
  const query = input.query
  let out = filterItems(items, query)
  const keys = values(query['sort_key'])
  const dirs = values(query['sort_dir'])
  if (keys.length > 0) {
    for (const [i, key] of keys.entries()) {
      if (out.length > 0 && !(key in (out[0] as Wire))) {
        throw new BadRequestError(`${key} is invalid attribute for sort_keys`)
      }
      const dir = dirs[i] ?? 'asc'
      if (dir !== 'asc' && dir !== 'desc')
        throw new BadRequestError(`${dir} is invalid value for sort_dirs`)
    }
    out = [...out].sort((a, b) => {
      for (const [i, key] of keys.entries()) {
        const c = compare(a[key], b[key])
        if (c !== 0) return dirs[i] === 'desc' ? -c : c
      }
      return compare(a['id'], b['id'])
    })
  }
  const limitText = values(query['limit'])[0]
  const marker = values(query['marker'])[0]
  const reverse = values(query['page_reverse'])[0]?.toLowerCase() === 'true'
  const links: { rel: string; href: string }[] = []
  if (limitText !== undefined || marker !== undefined) {
    const limit = limitText === undefined ? 0 : Number(limitText)
    if (!Number.isInteger(limit) || limit < 0)
      throw new BadRequestError(`Limit must be an integer 0 or greater and not '${limitText}'`)
    let start = 0
    let end = out.length
    if (marker !== undefined) {
      const at = out.findIndex((i) => i['id'] === marker)
      if (reverse) end = at < 0 ? out.length : at
      else start = at < 0 ? 0 : at + 1
    }
    if (limit > 0) {
      if (reverse) start = Math.max(0, end - limit)
      else end = Math.min(out.length, start + limit)
    }
    const page = out.slice(start, end)
    const base = pageUrl(input)
    const last = page[page.length - 1]
    const first = page[0]
    if (limit > 0 && page.length === limit && last && (reverse ? start > 0 : end < out.length)) {
      links.push({
        rel: 'next',
        href: `${base}limit=${limit}&marker=${String((reverse ? first : last)?.['id'])}${reverse ? '&page_reverse=True' : ''}`,
      })
    }
    if (marker !== undefined && first) {
      links.push({
        rel: 'previous',
        href: `${base}limit=${limit}&marker=${String((reverse ? last : first)?.['id'])}${reverse ? '' : '&page_reverse=True'}`,
      })
    }
    out = page
  }
  const fields = requestedFields(query)
  const body: Record<string, unknown> = { [collection]: out.map((i) => pick(i, fields)) }
  if (links.length > 0) body[`${collection}_links`] = links
  return body
}

/** Query keys that leave a list pageable in the database (no filter or sort in memory). */
const PAGE_ONLY = new Set(['limit', 'marker', 'fields'])

/** `{limit, marker}` when the list may be paged in SQL, with one extra row to detect a next page. */
export function sqlPage(
  query: Record<string, unknown>,
): { limit: number; marker?: string } | undefined {
  if (!Object.keys(query).every((k) => PAGE_ONLY.has(k))) return undefined
  const limit = Number(values(query['limit'])[0])
  if (!Number.isInteger(limit) || limit <= 0) return undefined
  const marker = values(query['marker'])[0]
  return { limit: limit + 1, ...(marker !== undefined ? { marker } : {}) }
}

/** The answer for a page already cut in SQL (`items` holds up to limit + 1 rows). */
export function pagedBody(
  input: RouteInput,
  collection: string,
  items: readonly Wire[],
  page: { limit: number; marker?: string },
): Record<string, unknown> {
  const limit = page.limit - 1
  const out = items.slice(0, limit)
  const base = pageUrl(input)
  const links: { rel: string; href: string }[] = []
  const last = out[out.length - 1]
  const first = out[0]
  if (items.length > limit && last)
    links.push({ rel: 'next', href: `${base}limit=${limit}&marker=${String(last['id'])}` })
  if (page.marker !== undefined && first) {
    links.push({
      rel: 'previous',
      href: `${base}limit=${limit}&marker=${String(first['id'])}&page_reverse=True`,
    })
  }
  const fields = requestedFields(input.query)
  const body: Record<string, unknown> = { [collection]: out.map((i) => pick(i, fields)) }
  if (links.length > 0) body[`${collection}_links`] = links
  return body
}

function pageUrl(input: RouteInput): string {
  const host = input.headers['host'] ?? 'localhost'
  const path = input.raw.url.split('?')[0] ?? ''
  const kept = new URLSearchParams()
  for (const [k, v] of Object.entries(input.query)) {
    if (k === 'limit' || k === 'marker' || k === 'page_reverse') continue
    for (const one of values(v)) kept.append(k, one)
  }
  const text = kept.toString()
  return `http://${host}${path}?${text === '' ? '' : `${text}&`}`
}

/** One value of a simple query filter, to narrow in SQL before the generic filter runs. */
export function queryValues(query: Record<string, unknown>, key: string): string[] | undefined {
  const v = values(query[key])
  return v.length > 0 ? v : undefined
}
