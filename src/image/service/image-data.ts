/** @module image/service/image-data: streaming image bytes into and out of the store */
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isCloudError } from '../../core/errors/index.js'
import { updateImage, type Image } from '../db/images-repo.js'
import {
  ImageForbiddenError,
  ImageGoneError,
  ImageRangeNotSatisfiableError,
  ImageStatusConflictError,
  ImageUploadIncompleteError,
  ImageValidationError,
} from '../errors.js'
import type { ByteRange, ImageStore, StoredData } from '../store/image-store.js'
import { timestamp, type ImageCaller, type ImageContext } from './context.js'
import { ownedImage, visibleImage } from './image-access.js'
import { ImageDigest, virtualSizeOf, type DigestResult } from './image-digest.js'
import { uploadAllowance } from './quotas.js'

/** How a client sent the bytes. */
export interface UploadOptions {
  /** The request's Content-Length, when it had one. */
  contentLength?: number
}

/** The outcome of streaming into a store: what was stored and what the digest saw. */
export interface StoredImageData {
  stored: StoredData
  digest: DigestResult
}

function uploadError(error: unknown): unknown {
  if (isCloudError(error)) return error
  const code = (error as { code?: string }).code
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR') {
    return new ImageUploadIncompleteError('The upload ended before all image data arrived.', {
      cause: error,
    })
  }
  return error
}

/**
 * Streams `data` through a digest (hashed on `ctx.hashing`) into `store` under `key`. On any failure the store keeps
 * nothing and the first meaningful error (a quota 413 before a broken pipe) is thrown.
 */
export async function streamIntoStore(
  ctx: Pick<ImageContext, 'hashing'>,
  into: {
    store: ImageStore
    key: string
    data: Readable
    limit: { maxBytes: number; message: string }
  },
): Promise<StoredImageData> {
  const { store, key, data, limit } = into
  const digest = new ImageDigest({
    pool: ctx.hashing,
    maxBytes: limit.maxBytes,
    overLimitMessage: limit.message,
  })
  const [fed, stored] = await Promise.allSettled([pipeline(data, digest), store.put(key, digest)])
  if (fed.status === 'rejected' || stored.status === 'rejected') {
    if (stored.status === 'fulfilled') await store.delete(stored.value.location)
    const reasons = [fed, stored].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    throw uploadError(reasons.find(isCloudError) ?? reasons[0])
  }
  return { stored: stored.value, digest: digest.result() }
}

function requireFormats(image: Image): void {
  if (image.diskFormat === null || image.containerFormat === null) {
    throw new ImageValidationError(
      'Properties disk_format, container_format must be set prior to saving data.',
    )
  }
}

/** The columns an image gets once its data is stored. */
export function activeChanges(ctx: ImageContext, image: Image, result: StoredImageData) {
  const { stored, digest } = result
  return {
    status: 'active',
    size: stored.size,
    checksum: digest.checksum,
    osHashAlgo: digest.osHashAlgo,
    osHashValue: digest.osHashValue,
    virtualSize: virtualSizeOf(image.diskFormat, digest.header, stored.size),
    store: ctx.store.id,
    location: stored.location,
    updatedAt: timestamp(ctx),
  }
}

/**
 * `PUT /v2/images/{id}/file`: queued -> saving -> active. Only one upload wins (409 for the
 * others); a failed or interrupted upload leaves no data and puts the image back to queued.
 */
export async function uploadImageData(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  data: Readable,
  options: UploadOptions = {},
): Promise<void> {
  const image = await ownedImage(ctx, caller, id, 'upload data to')
  if (image.status !== 'queued') {
    throw new ImageStatusConflictError(
      `Image status transition from ${image.status} to saving is not allowed`,
    )
  }
  requireFormats(image)
  const limit = await uploadAllowance(ctx, image.owner, options.contentLength)
  const claimed = await updateImage(
    ctx.db,
    id,
    { status: 'saving', updatedAt: timestamp(ctx) },
    { expectStatus: ['queued'] },
  )
  if (!claimed) {
    throw new ImageStatusConflictError(
      'Image status transition from saving to saving is not allowed',
    )
  }
  let result: StoredImageData
  try {
    result = await streamIntoStore(ctx, { store: ctx.store, key: id, data, limit })
  } catch (error) {
    await updateImage(
      ctx.db,
      id,
      { status: 'queued', updatedAt: timestamp(ctx) },
      { expectStatus: ['saving'] },
    )
    throw error
  }
  const activated = await updateImage(ctx.db, id, activeChanges(ctx, image, result), {
    expectStatus: ['saving'],
  })
  if (!activated) {
    await ctx.store.delete(result.stored.location)
    throw new ImageGoneError(id)
  }
}

/** An image's data to send, or `empty` when it has none yet. */
export type ImageDownload =
  | { kind: 'empty' }
  | {
      kind: 'data'
      image: Image
      stream: Readable
      /** Bytes sent, and where they sit when a range was asked for. */
      length: number
      range?: ByteRange & { total: number }
    }

/** Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` against a size; undefined for other units. */
export function parseRange(header: string, size: number): ByteRange | undefined {
  const found = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!found) return undefined
  const [, first = '', last = ''] = found
  let start: number
  let end: number
  if (first === '') {
    if (last === '') throw new ImageRangeNotSatisfiableError(size)
    start = Math.max(0, size - Number(last))
    end = size - 1
  } else {
    start = Number(first)
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  }
  if (start > end || start >= size) throw new ImageRangeNotSatisfiableError(size)
  return { start, end }
}

/** `GET /v2/images/{id}/file`: the whole data or one range of it. */
export async function openImageData(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  rangeHeader?: string,
): Promise<ImageDownload> {
  const image = await visibleImage(ctx, caller, id)
  if (image.status === 'deactivated' && !caller.isAdmin) {
    throw new ImageForbiddenError(
      'The requested image has been deactivated. Image data download is forbidden.',
    )
  }
  const readable = image.status === 'active' || image.status === 'deactivated'
  if (image.location === null || image.size === null || !readable) return { kind: 'empty' }
  return openLocation(ctx, image, image.location, image.size, rangeHeader)
}

async function openLocation(
  ctx: ImageContext,
  image: Image,
  location: string,
  size: number,
  rangeHeader: string | undefined,
): Promise<ImageDownload> {
  const range = rangeHeader && size > 0 ? parseRange(rangeHeader, size) : undefined
  const stream = await ctx.store.get(location, range)
  if (!range) return { kind: 'data', image, stream, length: size }
  return {
    kind: 'data',
    image,
    stream,
    length: range.end - range.start + 1,
    range: { ...range, total: size },
  }
}

/**
 * `PUT /v2/images/{id}/stage`: queued -> uploading, data kept in the staging store until an
 * import moves it. A failed stage leaves no data and the image queued.
 */
export async function stageImageData(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  data: Readable,
  options: UploadOptions = {},
): Promise<void> {
  const image = await ownedImage(ctx, caller, id, 'stage data for')
  if (image.status !== 'queued') {
    throw new ImageStatusConflictError(
      `Image status transition from ${image.status} to uploading is not allowed`,
    )
  }
  const limit = await uploadAllowance(ctx, image.owner, options.contentLength)
  const claimed = await updateImage(
    ctx.db,
    id,
    { status: 'uploading', updatedAt: timestamp(ctx) },
    { expectStatus: ['queued'] },
  )
  if (!claimed) {
    throw new ImageStatusConflictError(
      'Image status transition from uploading to uploading is not allowed',
    )
  }
  try {
    const { stored } = await streamIntoStore(ctx, { store: ctx.staging, key: id, data, limit })
    await updateImage(ctx.db, id, { size: stored.size, updatedAt: timestamp(ctx) })
  } catch (error) {
    await updateImage(
      ctx.db,
      id,
      { status: 'queued', updatedAt: timestamp(ctx) },
      { expectStatus: ['uploading'] },
    )
    throw error
  }
}
