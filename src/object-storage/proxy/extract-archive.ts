/** @module object-storage/proxy/extract-archive: PUT ?extract-archive=tar|tar.gz creates an object per file */
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { CloudError } from '../../core/errors/index.js'
import { SwiftError } from '../errors.js'
import { bulkFormat, renderBulkBody, statusLine } from './bulk-response.js'
import { header, type ProxyContext, type SwiftRequest, type SwiftResponse } from './context.js'
import { putContainer, readContainer } from './container-ops.js'
import { putObject } from './object-write.js'
import { readTar, TarFormatError, type TarEntry } from './tar-reader.js'

/** Swift's bulk middleware defaults. */
export const EXTRACT_LIMITS = Object.freeze({
  maxContainersPerExtraction: 10000,
  maxFailedExtractions: 1000,
})

const ARCHIVE_TYPES: Record<string, 'tar' | 'gz' | 'bz2'> = {
  tar: 'tar',
  'tar.gz': 'gz',
  'tar.bz2': 'bz2',
}

/** A failure that ends the extraction: its status and the `Response Body` Swift gives. */
class ExtractAbortError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(body)
  }
}

/** Python's `quote(path, safe='/')`, which Swift uses for names in the error list. */
function quotePath(path: string): string {
  return encodeURIComponent(path)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function stockPage(status: number, message: string): string {
  const reason = statusLine(status).slice(4)
  return `<html><h1>${reason}</h1><p>${message}</p></html>`
}

/** Counts the tar bytes (after decompression) and stops at the archive size limit. */
async function* limited(source: AsyncIterable<Buffer>, maxBytes: number): AsyncIterable<Buffer> {
  let total = 0
  for await (const chunk of source) {
    total += chunk.length
    if (total > maxBytes)
      throw new ExtractAbortError(413, `Archive larger than the limit of ${maxBytes} bytes.`)
    yield chunk
  }
}

function statusOf(error: unknown): number {
  return error instanceof CloudError ? error.status : 500
}

/** `pax` records Swift turns into object headers (xattrs written by GNU tar and bsdtar). */
function paxHeaders(pax: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(pax)) {
    if (key === 'SCHILY.xattr.user.mime_type' || key === 'LIBARCHIVE.xattr.user.mime_type')
      out['content-type'] = value
    for (const prefix of ['SCHILY.xattr.user.meta.', 'LIBARCHIVE.xattr.user.meta.'])
      if (key.startsWith(prefix))
        out[`x-object-meta-${key.slice(prefix.length).toLowerCase()}`] = value
  }
  return out
}

/** Headers of the archive request passed on to each object (expiry and user metadata). */
function passedHeaders(request: SwiftRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    if (key === 'x-delete-at' || key === 'x-delete-after' || key.startsWith('x-object-meta-'))
      out[key] = Array.isArray(value) ? value.join(',') : value
  }
  return out
}

interface Extraction {
  created: number
  errors: [string, string][]
  failedStatus: number
}

async function extractInto(
  ctx: ProxyContext,
  request: SwiftRequest,
  entries: AsyncIterable<TarEntry>,
  extraction: Extraction,
): Promise<void> {
  const base = [request.container, request.object]
    .filter((p): p is string => p !== undefined)
    .join('/')
    .replace(/\/+$/, '')
  const accessed = new Set<string>()
  let containersCreated = 0
  let objects = 0
  const { errors } = extraction
  for await (const entry of entries) {
    if (errors.length >= EXTRACT_LIMITS.maxFailedExtractions) break
    if (entry.kind !== 'file') continue
    let path = entry.name.startsWith('./') ? entry.name.slice(2) : entry.name
    path = path.replace(/^\/+/, '')
    if (base) path = `${base}/${path}`
    const slash = path.indexOf('/')
    if (slash < 0) continue // a file at the top of an account-level archive names no container
    objects += 1
    if (objects > ctx.config.maxArchiveObjects)
      throw new ExtractAbortError(
        400,
        `More than ${ctx.config.maxArchiveObjects} objects in the archive.`,
      )
    const container = path.slice(0, slash)
    const object = path.slice(slash + 1)
    const quoted = quotePath(path.slice(0, 1024))
    if (path.includes('\0') || container === '' || object === '') {
      errors.push([quoted, statusLine(object === '' ? 400 : 412)])
      continue
    }
    if (entry.size > ctx.config.maxFileSize) {
      errors.push([quoted, statusLine(413)])
      continue
    }
    let containerFailure: [string, string] | undefined
    if (!accessed.has(container) && !readContainer(ctx, request.account, container)) {
      try {
        await putContainer(ctx, { ...request, method: 'PUT', container, query: {}, headers: {} })
        containersCreated += 1
      } catch (error) {
        const status = statusOf(error)
        if (status === 401) throw new ExtractAbortError(401, stockPage(401, 'Unauthorized.'))
        containerFailure = [quotePath(`/v1/${request.account}/${container}`), statusLine(status)]
      }
      if (containersCreated > EXTRACT_LIMITS.maxContainersPerExtraction)
        throw new ExtractAbortError(
          400,
          `More than ${EXTRACT_LIMITS.maxContainersPerExtraction} containers to create from tar.`,
        )
    }
    const sub: SwiftRequest = {
      ...request,
      method: 'PUT',
      container,
      object,
      query: {},
      headers: {
        ...passedHeaders(request),
        ...paxHeaders(entry.pax),
        'content-length': String(entry.size),
      },
      body: Readable.from(entry.body),
    }
    try {
      await putObject(ctx, sub)
      extraction.created += 1
    } catch (error) {
      const status = statusOf(error)
      if (status >= 500) ctx.logger.warn({ err: error, path }, 'extract-archive object failed')
      if (containerFailure) errors.push(containerFailure)
      if (status === 401) {
        errors.push([quoted, statusLine(401)])
        throw new ExtractAbortError(401, stockPage(401, 'Unauthorized.'))
      }
      if (status >= 500) extraction.failedStatus = 502
      errors.push([quoted, statusLine(status)])
    }
    accessed.add(container)
  }
}

/** Unpacks a tar archive into objects and answers Swift's bulk result body (always 200). */
export async function extractArchive(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  const requested = (request.query['extract-archive'] ?? '').toLowerCase().replace(/^\.+|\.+$/g, '')
  const type = ARCHIVE_TYPES[requested]
  if (type === undefined) throw new SwiftError(400, 'Unsupported archive format')
  if (type === 'bz2')
    throw new SwiftError(
      400,
      'Unsupported archive format: tar.bz2 archives are not supported by this cluster; send tar or tar.gz',
    )
  const format = bulkFormat(request)
  const result: Record<string, string | number> = {
    'Response Status': statusLine(201),
    'Response Body': '',
    'Number Files Created': 0,
  }
  const extraction: Extraction = { created: 0, errors: [], failedStatus: 400 }
  try {
    if (!format)
      throw new ExtractAbortError(
        406,
        stockPage(406, 'The server cannot generate a response acceptable to the client.'),
      )
    const length = header(request, 'content-length')
    const chunked = /chunked/i.test(header(request, 'transfer-encoding') ?? '')
    if (length === undefined && !chunked)
      throw new ExtractAbortError(411, stockPage(411, 'Length Required.'))
    if (length !== undefined && Number(length) > ctx.config.maxArchiveSize && type === 'tar')
      throw new ExtractAbortError(
        413,
        `Archive larger than the limit of ${ctx.config.maxArchiveSize} bytes.`,
      )
    const raw = request.body ?? Readable.from([])
    const tarBytes: AsyncIterable<Buffer> = type === 'gz' ? raw.pipe(createGunzip()) : raw
    if (type === 'gz') raw.on('error', () => undefined)
    await extractInto(
      ctx,
      request,
      readTar(limited(tarBytes, ctx.config.maxArchiveSize)),
      extraction,
    )
    if (extraction.errors.length > 0)
      result['Response Status'] = statusLine(extraction.failedStatus)
    else if (extraction.created === 0) {
      result['Response Status'] = statusLine(400)
      result['Response Body'] = 'Invalid Tar File: No Valid Files'
    }
  } catch (error) {
    if (error instanceof ExtractAbortError) {
      result['Response Status'] = statusLine(error.status)
      result['Response Body'] = error.body
    } else if (
      error instanceof TarFormatError ||
      (error as { code?: string }).code?.startsWith('Z_')
    ) {
      result['Response Status'] = statusLine(400)
      result['Response Body'] = `Invalid Tar File: ${(error as Error).message}`
    } else {
      ctx.logger.error({ err: error }, 'extract-archive failed')
      result['Response Status'] = statusLine(500)
    }
  }
  result['Number Files Created'] = extraction.created
  const rendered = renderBulkBody(format, result, extraction.errors, 'extract')
  return { status: 200, headers: { 'content-type': rendered.contentType }, body: rendered.body }
}
