/** @module object-storage/proxy/listing-format: listings as plain text, JSON or XML */
import { SwiftError } from '../errors.js'
import type { ContainerRow } from '../storage/account-broker.js'
import type { ObjectRow } from '../storage/container-broker.js'
import type { ListingEntry, ListingQuery } from '../storage/listing-query.js'
import { header, type SwiftRequest } from './context.js'
import { LIMITS } from './metadata.js'

export type ListingFormat = 'plain' | 'json' | 'xml'

/** The format from `?format=` or the Accept header, as Swift chooses it. */
export function listingFormat(request: SwiftRequest): ListingFormat {
  const format = request.query['format']?.toLowerCase()
  if (format === 'json' || format === 'xml') return format
  if (format === 'plain' || format === 'txt') return 'plain'
  const accept = header(request, 'accept') ?? ''
  if (/application\/json/.test(accept)) return 'json'
  if (/(application|text)\/xml/.test(accept)) return 'xml'
  return 'plain'
}

/** The listing parameters of a request (412 on a limit above the maximum). */
export function listingQuery(request: SwiftRequest): ListingQuery {
  const q = request.query
  let limit: number = LIMITS.containerListingLimit
  if (q['limit'] !== undefined) {
    if (!/^\d+$/.test(q['limit']))
      throw new SwiftError(412, 'Value of limit must be a positive integer')
    limit = Number(q['limit'])
    if (limit > LIMITS.containerListingLimit)
      throw new SwiftError(412, `Maximum limit is ${LIMITS.containerListingLimit}`)
  }
  const reverse = ['true', '1', 'yes', 'on', 't', 'y'].includes(q['reverse']?.toLowerCase() ?? '')
  const delimiter = q['delimiter']
  if (delimiter !== undefined && delimiter.length > 1 && delimiter !== '')
    throw new SwiftError(412, 'Bad delimiter')
  return {
    limit,
    reverse,
    ...(q['prefix'] !== undefined ? { prefix: q['prefix'] } : {}),
    ...(delimiter ? { delimiter } : {}),
    ...(q['marker'] !== undefined ? { marker: q['marker'] } : {}),
    ...(q['end_marker'] !== undefined ? { endMarker: q['end_marker'] } : {}),
    ...(q['path'] !== undefined ? { path: q['path'] } : {}),
  }
}

/** Swift's `last_modified`: ISO 8601 with microseconds and no zone. */
export function listingDate(timestamp: string): string {
  const seconds = Number(timestamp)
  const iso = new Date(Math.floor(seconds * 1000)).toISOString().slice(0, 19)
  const micro = Math.round((seconds % 1) * 1e6)
  return `${iso}.${String(micro).padStart(6, '0')}`
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const CONTENT_TYPES: Record<ListingFormat, string> = {
  plain: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
}

/** A rendered listing: its body and content type (an empty plain listing has no body). */
export interface RenderedListing {
  body: string
  contentType: string
}

export function renderObjectListing(
  format: ListingFormat,
  container: string,
  entries: ListingEntry<ObjectRow>[],
): RenderedListing {
  const contentType = CONTENT_TYPES[format]
  if (format === 'plain') {
    const names = entries.map((e) => (e.kind === 'row' ? e.row.name : e.name))
    return { body: names.map((n) => `${n}\n`).join(''), contentType }
  }
  if (format === 'json') {
    const items = entries.map((e) =>
      e.kind === 'subdir'
        ? { subdir: e.name }
        : {
            name: e.row.name,
            hash: e.row.etag,
            bytes: e.row.size,
            content_type: e.row.contentType,
            last_modified: listingDate(e.row.createdAt),
          },
    )
    return { body: JSON.stringify(items), contentType }
  }
  const items = entries.map((e) =>
    e.kind === 'subdir'
      ? `<subdir name="${xmlEscape(e.name)}"><name>${xmlEscape(e.name)}</name></subdir>`
      : `<object><name>${xmlEscape(e.row.name)}</name><hash>${e.row.etag}</hash>` +
        `<bytes>${e.row.size}</bytes><content_type>${xmlEscape(e.row.contentType)}</content_type>` +
        `<last_modified>${listingDate(e.row.createdAt)}</last_modified></object>`,
  )
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<container name="${xmlEscape(container)}">` +
    `${items.join('')}</container>`
  return { body, contentType }
}

export function renderContainerListing(
  format: ListingFormat,
  account: string,
  entries: ListingEntry<ContainerRow>[],
): RenderedListing {
  const contentType = CONTENT_TYPES[format]
  if (format === 'plain') {
    const names = entries.map((e) => (e.kind === 'row' ? e.row.name : e.name))
    return { body: names.map((n) => `${n}\n`).join(''), contentType }
  }
  if (format === 'json') {
    const items = entries.map((e) =>
      e.kind === 'subdir'
        ? { subdir: e.name }
        : {
            name: e.row.name,
            count: e.row.objectCount,
            bytes: e.row.bytesUsed,
            last_modified: listingDate(e.row.putTimestamp),
          },
    )
    return { body: JSON.stringify(items), contentType }
  }
  const items = entries.map((e) =>
    e.kind === 'subdir'
      ? `<subdir name="${xmlEscape(e.name)}"><name>${xmlEscape(e.name)}</name></subdir>`
      : `<container><name>${xmlEscape(e.row.name)}</name><count>${e.row.objectCount}</count>` +
        `<bytes>${e.row.bytesUsed}</bytes>` +
        `<last_modified>${listingDate(e.row.putTimestamp)}</last_modified></container>`,
  )
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<account name="${xmlEscape(account)}">` +
    `${items.join('')}</account>`
  return { body, contentType }
}
