/** @module image/api/list-query: `GET /v2/images` query parameters into a list request */
import type { JsonSchema } from '../../core/http/index.js'
import { ImageValidationError } from '../errors.js'
import { IMAGE_STATUSES, MEMBER_STATUSES, VISIBILITIES } from '../service/image-attributes.js'
import {
  isSortKey,
  parseTimeFilter,
  type ImageListRequest,
  type SortKey,
} from '../service/image-list.js'

const text = { type: 'string', maxLength: 4096 }
const strings = { type: 'array', items: text }

/** The query schema: known parameters typed, anything else a property filter. */
export const listQuerySchema: JsonSchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 0 },
    marker: text,
    sort_key: strings,
    sort_dir: strings,
    sort: text,
    id: text,
    name: text,
    status: text,
    visibility: text,
    owner: text,
    member_status: text,
    tag: strings,
    size: { type: 'integer', minimum: 0 },
    checksum: text,
    os_hash_value: text,
    size_min: { type: 'integer', minimum: 0 },
    size_max: { type: 'integer', minimum: 0 },
    disk_format: text,
    container_format: text,
    os_hidden: { type: 'boolean' },
    protected: { type: 'boolean' },
    created_at: text,
    updated_at: text,
  },
  additionalProperties: text,
}

const KNOWN = new Set(Object.keys(listQuerySchema['properties'] as object))

function str(query: Record<string, unknown>, key: string): string | undefined {
  const value = query[key]
  return typeof value === 'string' ? value : undefined
}

/** `in:a,b` as a list, anything else as a one-item list. */
function valueList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  if (!value.startsWith('in:')) return [value]
  return value
    .slice(3)
    .split(',')
    .map((v) => v.trim().replace(/^"(.*)"$/, '$1'))
}

function oneOf(name: string, values: string[] | undefined, allowed: readonly string[]) {
  for (const value of values ?? []) {
    if (!allowed.includes(value)) throw new ImageValidationError(`Invalid ${name} value: ${value}`)
  }
  return values
}

type Sort = ImageListRequest['sort'][number]

function sortKey(key: string): SortKey {
  if (!isSortKey(key)) throw new ImageValidationError(`Invalid sort key: ${key}.`)
  return key
}

function sortDir(dir: string): Sort['dir'] {
  if (dir !== 'asc' && dir !== 'desc') {
    throw new ImageValidationError(`Invalid sort direction: ${dir}.`)
  }
  return dir
}

function parseSort(query: Record<string, unknown>): Sort[] {
  const sort = str(query, 'sort')
  const keys = (query['sort_key'] as string[] | undefined) ?? []
  const dirs = (query['sort_dir'] as string[] | undefined) ?? []
  if (sort !== undefined) {
    if (keys.length > 0 || dirs.length > 0) {
      throw new ImageValidationError(
        'The sort parameter cannot be combined with sort_key or sort_dir.',
      )
    }
    return sort.split(',').map((part) => {
      const [key = '', dir = 'desc'] = part.trim().split(':')
      return { key: sortKey(key), dir: sortDir(dir) }
    })
  }
  if (dirs.length > 1 && dirs.length !== keys.length) {
    throw new ImageValidationError('Give one sort_dir, or one per sort_key.')
  }
  if (keys.length === 0) return [{ key: 'created_at', dir: sortDir(dirs[0] ?? 'desc') }]
  return keys.map((key, i) => ({
    key: sortKey(key),
    dir: sortDir(dirs.length > 1 ? (dirs[i] ?? 'desc') : (dirs[0] ?? 'desc')),
  }))
}

/** Builds the list request; limits are capped at `limitMax`. */
export function parseListQuery(
  query: Record<string, unknown>,
  limits: { limitDefault: number; limitMax: number },
): ImageListRequest {
  const filters: ImageListRequest['filters'] = {}
  const ids = valueList(str(query, 'id'))
  if (ids) filters.ids = ids
  const names = valueList(str(query, 'name'))
  if (names) filters.names = names
  const statuses = oneOf('status', valueList(str(query, 'status')), IMAGE_STATUSES)
  if (statuses) filters.statuses = statuses
  const disk = valueList(str(query, 'disk_format'))
  if (disk) filters.diskFormats = disk
  const container = valueList(str(query, 'container_format'))
  if (container) filters.containerFormats = container
  const owner = str(query, 'owner')
  if (owner !== undefined) filters.owner = owner
  if (typeof query['size'] === 'number') filters.size = query['size']
  const checksums = valueList(str(query, 'checksum'))
  if (checksums) filters.checksums = checksums
  const hashValues = valueList(str(query, 'os_hash_value'))
  if (hashValues) filters.hashValues = hashValues
  if (typeof query['size_min'] === 'number') filters.sizeMin = query['size_min']
  if (typeof query['size_max'] === 'number') filters.sizeMax = query['size_max']
  const tags = query['tag'] as string[] | undefined
  if (tags) filters.tags = tags
  if (typeof query['os_hidden'] === 'boolean') filters.osHidden = query['os_hidden']
  if (typeof query['protected'] === 'boolean') filters.protected = query['protected']
  const created = str(query, 'created_at')
  if (created !== undefined) filters.createdAt = parseTimeFilter('created_at', created)
  const updated = str(query, 'updated_at')
  if (updated !== undefined) filters.updatedAt = parseTimeFilter('updated_at', updated)
  const visibility = str(query, 'visibility')
  oneOf('visibility', visibility === undefined ? undefined : [visibility], [...VISIBILITIES, 'all'])
  const memberStatus = str(query, 'member_status')
  oneOf('member_status', memberStatus === undefined ? undefined : [memberStatus], [
    ...MEMBER_STATUSES,
    'all',
  ])
  const properties: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (!KNOWN.has(key) && typeof value === 'string') properties[key] = value
  }
  const limit = typeof query['limit'] === 'number' ? query['limit'] : limits.limitDefault
  const marker = str(query, 'marker')
  return {
    filters,
    properties,
    sort: parseSort(query),
    limit: Math.min(limit, limits.limitMax),
    ...(visibility !== undefined ? { visibility } : {}),
    ...(memberStatus !== undefined ? { memberStatus } : {}),
    ...(marker !== undefined ? { marker } : {}),
  }
}
