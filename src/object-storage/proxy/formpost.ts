/** @module object-storage/proxy/formpost: browser uploads with an HMAC-signed HTML form (Swift's FormPost) */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Readable } from 'node:stream'
import { CloudError } from '../../core/errors/index.js'
import { statusLine } from './bulk-response.js'
import { header, type ProxyContext, type SwiftRequest, type SwiftResponse } from './context.js'
import {
  FormBoundaryError,
  FormSyntaxError,
  parseDisposition,
  readMultipart,
  type FormPart,
} from './multipart-form.js'
import { putObject } from './object-write.js'
import { keysFor, signature } from './tempurl.js'

/** Longest value of a plain form field; the rest is dropped, as Swift does. */
const MAX_VALUE_LENGTH = 4096

/** A form that cannot be processed: 400 with `FormPost: <message>`. */
class FormInvalidError extends Error {
  override name = 'FormInvalidError'
}

/** An expired form or a bad signature: 401 with `FormPost: <Message>`. */
class FormUnauthorizedError extends Error {
  override name = 'FormUnauthorizedError'
}

/** The multipart boundary when the request is a form upload. */
export function formBoundary(request: SwiftRequest): string | undefined {
  const { value, params } = parseDisposition(header(request, 'content-type') ?? '')
  return value === 'multipart/form-data' && params['boundary'] ? params['boundary'] : undefined
}

const title = (text: string) => text.replace(/\b[a-z]/g, (c) => c.toUpperCase())

function intField(attributes: Record<string, string>, name: string, message: string): number {
  const value = attributes[name] ?? ''
  if (value === '') return 0
  if (!/^-?\d+$/.test(value.trim())) throw new FormInvalidError(message)
  return Number(value)
}

async function readField(part: FormPart): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const piece of part.body) {
    if (size < MAX_VALUE_LENGTH) chunks.push(piece.subarray(0, MAX_VALUE_LENGTH - size))
    size += piece.length
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Caps a file part at `max` bytes; the form fails with 400 when the file is longer. */
async function* capped(body: AsyncIterable<Buffer>, max: number): AsyncIterable<Buffer> {
  let size = 0
  for await (const piece of body) {
    size += piece.length
    if (size > max) throw new FormInvalidError('max_file_size exceeded')
    yield piece
  }
}

function checkSignature(
  ctx: ProxyContext,
  request: SwiftRequest,
  attributes: Record<string, string>,
): void {
  // Swift finds no keys for a path without a container.
  const keys = request.container === undefined ? [] : keysFor(ctx, request)
  if (keys.length === 0) throw new FormUnauthorizedError('invalid signature')
  const expires = intField(attributes, 'expires', 'expired not an integer')
  if (expires < ctx.clock.now() / 1000) throw new FormUnauthorizedError('form expired')
  const parsed = signature(attributes['signature'] ?? '')
  if (!parsed) throw new FormUnauthorizedError('invalid signature')
  const fields = [
    attributes['redirect'] ?? '',
    attributes['max_file_size'] || '0',
    attributes['max_file_count'] || '0',
    attributes['expires'] || '0',
  ].join('\n')
  // Clients sign the path they post to, with or without the listener's prefix.
  const paths = [request.rawPath, request.fullPath ?? request.rawPath]
  const given = Buffer.from(parsed.hex, 'hex')
  for (const key of keys)
    for (const path of paths) {
      const mac = createHmac(parsed.digest, key).update(`${path}\n${fields}`).digest()
      if (mac.length === given.length && timingSafeEqual(mac, given)) return
    }
  throw new FormUnauthorizedError('invalid signature')
}

async function uploadFile(
  ctx: ProxyContext,
  request: SwiftRequest,
  file: { attributes: Record<string, string>; part: FormPart; filename: string },
): Promise<number> {
  const { attributes, part } = file
  const maxFileSize = intField(attributes, 'max_file_size', 'max_file_size not an integer')
  const headers: Record<string, string> = { 'transfer-encoding': 'chunked' }
  if (attributes['x_delete_at'] !== undefined)
    headers['x-delete-at'] = String(
      intField(attributes, 'x_delete_at', 'x_delete_at not an integer: Unix timestamp required.'),
    )
  if (attributes['x_delete_after'] !== undefined)
    headers['x-delete-after'] = String(
      intField(
        attributes,
        'x_delete_after',
        'x_delete_after not an integer: Number of seconds required.',
      ),
    )
  const contentType = attributes['content-type'] ?? part.headers['content-type']
  if (contentType !== undefined) headers['content-type'] = contentType || 'application/octet-stream'
  const encoding = attributes['content-encoding'] ?? part.headers['content-encoding']
  if (encoding !== undefined) headers['content-encoding'] = encoding
  checkSignature(ctx, request, attributes)
  const prefix = request.object ?? ''
  const sub: SwiftRequest = {
    ...request,
    method: 'PUT',
    object: request.object === undefined ? file.filename : `${prefix}${file.filename}`,
    query: {},
    headers,
    body: Readable.from(capped(part.body, maxFileSize)),
    // The signature stands for the account's owner, as a TempURL does.
    tempUrl: true,
  }
  try {
    return (await putObject(ctx, sub)).status
  } catch (error) {
    if (error instanceof FormInvalidError) throw error
    if (error instanceof CloudError) return error.status
    throw error
  }
}

async function translateForm(
  ctx: ProxyContext,
  request: SwiftRequest,
  boundary: string,
): Promise<SwiftResponse> {
  const attributes: Record<string, string> = {}
  let status: number | undefined
  let message = ''
  let files = 0
  for await (const part of readMultipart(request.body ?? Readable.from([]), boundary)) {
    const { value, params } = parseDisposition(part.headers['content-disposition'] ?? '')
    if (value === 'form-data' && params['filename']) {
      files += 1
      if (files > intField(attributes, 'max_file_count', 'max_file_count not an integer')) {
        status = 400
        message = 'max file count exceeded'
        break
      }
      status = await uploadFile(ctx, request, {
        attributes,
        part,
        filename: params['filename'] || 'filename',
      })
      if (status < 200 || status > 299) break
    } else {
      const data = await readField(part)
      if (params['name'] !== undefined)
        attributes[params['name'].toLowerCase()] = data.replace(/[\r\n-]+$/, '')
    }
  }
  if (status === undefined) {
    status = 400
    message = 'no files to process'
  }
  const redirect = attributes['redirect']
  if (!redirect) {
    const body = message
      ? `${statusLine(status)}\r\nFormPost: ${title(message)}`
      : statusLine(status)
    return { status, headers: { 'content-type': 'text/plain' }, body }
  }
  const location = `${redirect}${redirect.includes('?') ? '&' : '?'}status=${status}&message=${encodeURIComponent(message)}`
  return {
    status: 303,
    headers: { location, 'content-type': 'text/html; charset=UTF-8' },
    body: `<html><body><p><a href="${location}">Click to continue...</a></p></body></html>`,
  }
}

/** POST multipart/form-data to a container or object prefix: one object per file field. */
export async function formPost(
  ctx: ProxyContext,
  request: SwiftRequest,
  boundary: string,
): Promise<SwiftResponse> {
  try {
    return await translateForm(ctx, request, boundary)
  } catch (error) {
    if (error instanceof FormBoundaryError) return plain(400, 'FormPost: invalid starting boundary')
    if (error instanceof FormInvalidError || error instanceof FormSyntaxError)
      return plain(400, `FormPost: ${error.message}`)
    if (error instanceof FormUnauthorizedError)
      return {
        status: 401,
        headers: { 'content-type': 'text/html; charset=UTF-8' },
        body: `FormPost: ${title(error.message)}`,
      }
    throw error
  }
}

function plain(status: number, body: string): SwiftResponse {
  return { status, headers: { 'content-type': 'text/plain' }, body }
}
