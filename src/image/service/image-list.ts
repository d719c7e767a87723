/** @module image/service/image-list: filtered, sorted, paged image lists as Glance answers them */
import {
  listImages as queryImages,
  type ImageQuery,
  type TimeComparison,
} from '../db/images-repo.js'
import { ImageValidationError } from '../errors.js'
import type { ImageCaller, ImageContext } from './context.js'
import type { Image } from './images.js'
import { visibleImage } from './image-access.js'

/** Sortable fields, by the domain name they compare. */
export const SORT_KEYS = {
  id: 'id',
  name: 'name',
  status: 'status',
  visibility: 'visibility',
  size: 'size',
  virtual_size: 'virtualSize',
  disk_format: 'diskFormat',
  container_format: 'containerFormat',
  min_disk: 'minDisk',
  min_ram: 'minRam',
  owner: 'owner',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
} as const satisfies Record<string, keyof Image>
export type SortKey = keyof typeof SORT_KEYS

export function isSortKey(value: string): value is SortKey {
  return Object.hasOwn(SORT_KEYS, value)
}

/** A list request, already parsed from the query string. */
export interface ImageListRequest {
  filters: Omit<ImageQuery, 'access'>
  /** `visibility` filter (also decides which images the caller sees). */
  visibility?: string
  /** `member_status` filter for shared images: pending, accepted, rejected or all. */
  memberStatus?: string
  /** Extra properties that must match exactly. */
  properties: Record<string, string>
  sort: readonly { key: SortKey; dir: 'asc' | 'desc' }[]
  marker?: string
  /** Page size, already capped. */
  limit: number
}

/** One page and the marker of the next one, if more images follow. */
export interface ImagePage {
  images: Image[]
  nextMarker?: string
}

type Comparable = string | number | boolean | null

// Nulls sort first ascending, as on MySQL, the same on every database.
function compareValues(a: Comparable, b: Comparable): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return a < b ? -1 : 1
}

function comparator(sort: ImageListRequest['sort']): (a: Image, b: Image) => number {
  const keys = [...sort]
  if (!keys.some((s) => s.key === 'id')) keys.push({ key: 'id', dir: keys[0]?.dir ?? 'desc' })
  return (a, b) => {
    for (const { key, dir } of keys) {
      const field = SORT_KEYS[key]
      const order = compareValues(a[field] as Comparable, b[field] as Comparable)
      if (order !== 0) return dir === 'asc' ? order : -order
    }
    return 0
  }
}

function matchesProperties(image: Image, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => image.properties[key] === value)
}

/** Lists the images the caller may see that match the request, one page at a time. */
export async function listImages(
  ctx: ImageContext,
  caller: ImageCaller,
  request: ImageListRequest,
): Promise<ImagePage> {
  const memberStatus = request.memberStatus ?? 'accepted'
  const query: ImageQuery = {
    ...request.filters,
    access: caller.isAdmin
      ? { kind: 'all' }
      : {
          kind: 'project',
          projectId: caller.projectId,
          visibility: request.visibility,
          memberStatus,
        },
  }
  if (request.visibility !== undefined && request.visibility !== 'all' && caller.isAdmin) {
    query.visibilities = [request.visibility]
  }
  if (query.osHidden === undefined) query.osHidden = false
  const compare = comparator(request.sort)
  const images = (await queryImages(ctx.db, query))
    .filter((image) => matchesProperties(image, request.properties))
    .sort(compare)
  let start = 0
  if (request.marker !== undefined) {
    const marker = await visibleImage(ctx, caller, request.marker).catch(() => undefined)
    if (!marker) throw new ImageValidationError(`marker ${request.marker} not found`)
    const index = images.findIndex((image) => compare(image, marker) > 0)
    start = index < 0 ? images.length : index
  }
  const page = images.slice(start, start + request.limit)
  const last = page[page.length - 1]
  const more = start + request.limit < images.length
  return { images: page, ...(more && last ? { nextMarker: last.id } : {}) }
}

const OPERATORS: Record<string, TimeComparison['op']> = {
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  eq: '=',
  neq: '<>',
}

/** Parses `gt:2026-01-01T00:00:00Z` (several separated by commas) into comparisons. */
export function parseTimeFilter(name: string, text: string): TimeComparison[] {
  return text.split(',').map((part) => {
    const found = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(part.trim())
    const op = found?.[1] ? OPERATORS[found[1]] : undefined
    const when = found?.[2] ? Date.parse(found[2]) : NaN
    if (!op || Number.isNaN(when)) {
      throw new ImageValidationError(
        `Invalid ${name} filter '${part}': use <operator>:<ISO 8601 time> with gt, gte, lt, lte, eq or neq.`,
      )
    }
    return { op, value: new Date(when).toISOString() }
  })
}
