/** @module object-storage/proxy/object-read: HEAD and GET of objects, conditions and ranges */
import { SwiftError } from '../errors.js'
import { header, type ProxyContext, type SwiftRequest, type SwiftResponse } from './context.js'
import { requireContainer } from './container-ops.js'
import { requireContainerAccess } from './keystone-auth.js'
import { readObject, type ReadOptions, type StoredObject } from './replicated-objects.js'
import { inlineBytes, resolveBody, streamSegments, type ObjectBody } from './segments.js'
import { parseRanges, multipartRanges } from './ranges.js'

/** The object named by the request if it exists and has not expired. */
export async function readLiveObject(
  ctx: ProxyContext,
  path: { account: string; container: string; object: string },
  options: ReadOptions = {},
): Promise<StoredObject | undefined> {
  const stored = await readObject(ctx, path, options)
  if (!stored) return undefined
  const deleteAt = stored.metadata.headers['x-delete-at']
  if (deleteAt !== undefined && Number(deleteAt) <= ctx.clock.now() / 1000) return undefined
  return stored
}

/** A header value Swift reads as true (its `config_true_value`). */
function trueValue(value: string | undefined): boolean {
  return ['true', '1', 'yes', 'on', 't', 'y'].includes(value?.trim().toLowerCase() ?? '')
}

/** HTTP date of an X-Timestamp, rounded up to the second as Swift does. */
export function httpDate(timestamp: string): string {
  return new Date(Math.ceil(Number(timestamp)) * 1000).toUTCString()
}

function objectHeaders(stored: StoredObject, body: ObjectBody): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': stored.metadata.contentType,
    etag: body.etag,
    'last-modified': httpDate(stored.metadata.timestamp),
    'x-timestamp': stored.metadata.timestamp,
    'accept-ranges': 'bytes',
    'content-length': String(body.size),
  }
  for (const [name, value] of Object.entries(stored.metadata.headers)) {
    // System metadata is internal: Swift's gatekeeper never shows it to clients.
    if (!name.startsWith('x-object-sysmeta-')) headers[name] = value
  }
  return headers
}

function etagMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '')
  return list.split(',').some((item) => {
    const value = item.trim().replace(/^W\//, '').replace(/"/g, '')
    return value === '*' || value === bare
  })
}

/** Applies If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since. */
function checkConditions(request: SwiftRequest, stored: StoredObject, body: ObjectBody) {
  const ifMatch = header(request, 'if-match')
  const headers = { etag: body.etag, 'last-modified': httpDate(stored.metadata.timestamp) }
  if (ifMatch !== undefined && !etagMatches(ifMatch, body.etag))
    throw new SwiftError(412, undefined, headers)
  const ifNoneMatch = header(request, 'if-none-match')
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, body.etag)) return 304
  const modified = Math.ceil(Number(stored.metadata.timestamp)) * 1000
  const since = Date.parse(header(request, 'if-modified-since') ?? '')
  if (ifNoneMatch === undefined && !Number.isNaN(since) && modified <= since) return 304
  const unmodified = Date.parse(header(request, 'if-unmodified-since') ?? '')
  if (!Number.isNaN(unmodified) && modified > unmodified)
    throw new SwiftError(412, undefined, headers)
  return undefined
}

export async function getObject(ctx: ProxyContext, request: SwiftRequest): Promise<SwiftResponse> {
  const state = requireContainer(ctx, request)
  requireContainerAccess(ctx, request, { acl: state.meta['x-container-read'], listing: false })
  const path = {
    account: request.account,
    container: request.container ?? '',
    object: request.object ?? '',
  }
  const stored = await readLiveObject(ctx, path, {
    keepBody: request.method === 'GET',
    firstFound: !trueValue(header(request, 'x-newest')),
  })
  if (!stored) throw new SwiftError(404)
  const manifestGet = request.query['multipart-manifest'] === 'get'
  const body = manifestGet
    ? await resolveBody(ctx, request.account, {
        ...stored,
        metadata: { ...stored.metadata, headers: {} },
      })
    : await resolveBody(ctx, request.account, stored)
  const headers = objectHeaders(stored, body)
  if (manifestGet && stored.metadata.headers['x-static-large-object']) {
    headers['content-type'] = 'application/json; charset=utf-8'
  }
  const conditional = checkConditions(request, stored, body)
  if (conditional === 304) {
    delete headers['content-length']
    return { status: 304, headers }
  }
  if (request.method === 'HEAD') return { status: 200, headers }
  const rangeHeader = header(request, 'range')
  const ranges = rangeHeader === undefined ? undefined : parseRanges(rangeHeader, body.size)
  if (ranges === 'unsatisfiable')
    throw new SwiftError(416, undefined, { 'content-range': `bytes */${body.size}` })
  if (!ranges || ranges.length === 0) {
    const bytes = inlineBytes(body.segments, 0, body.size - 1)
    if (bytes) return { status: 200, headers, body: bytes }
    return { status: 200, headers, stream: await streamSegments(body.segments, 0, body.size - 1) }
  }
  const [only] = ranges
  if (ranges.length === 1 && only) {
    headers['content-length'] = String(only.end - only.start + 1)
    headers['content-range'] = `bytes ${only.start}-${only.end}/${body.size}`
    const bytes = inlineBytes(body.segments, only.start, only.end)
    if (bytes) return { status: 206, headers, body: bytes }
    return {
      status: 206,
      headers,
      stream: await streamSegments(body.segments, only.start, only.end),
    }
  }
  const multipart = multipartRanges(body, ranges, stored.metadata.contentType)
  headers['content-type'] = multipart.contentType
  headers['content-length'] = String(multipart.length)
  return { status: 206, headers, stream: multipart.stream }
}
