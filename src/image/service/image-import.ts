/** @module image/service/image-import: interoperable image import (glance-direct, web-download) */
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { updateImage, type Image } from '../db/images-repo.js'
import { ImageStatusConflictError, ImageValidationError } from '../errors.js'
import { timestamp, type ImageCaller, type ImageContext } from './context.js'
import { ownedImage } from './image-access.js'
import { activeChanges, streamIntoStore } from './image-data.js'
import { uploadAllowance } from './quotas.js'

export const IMPORT_METHODS = ['glance-direct', 'web-download'] as const
export type ImportMethod = (typeof IMPORT_METHODS)[number]

/** An import request, as `POST /v2/images/{id}/import` gives it. */
export interface ImportRequest {
  method: string
  /** For web-download. */
  uri?: string
  /** Store ids asked for; only this cloud's one store is accepted. */
  stores?: readonly string[]
}

/** The methods this cloud offers, for `GET /v2/info/import`. */
export function importMethods(): readonly ImportMethod[] {
  return IMPORT_METHODS
}

function checkStores(ctx: ImageContext, stores: readonly string[] | undefined): void {
  for (const store of stores ?? []) {
    if (store !== ctx.store.id) throw new ImageValidationError(`Unknown store '${store}'.`)
  }
}

/** Checks that web-download may fetch `uri`: http(s) and a host on the allow-list. */
export function checkWebDownloadUri(ctx: ImageContext, uri: string | undefined): URL {
  if (uri === undefined) throw new ImageValidationError('web-download needs method.uri.')
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new ImageValidationError(`URI for web-download is not a URL: ${uri}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImageValidationError('URI for web-download must use http or https.')
  }
  if (!ctx.config.webDownloadHosts.includes(url.hostname)) {
    throw new ImageValidationError(
      ctx.config.webDownloadHosts.length === 0
        ? 'URI for web-download does not pass filtering: web-download is disabled on this ' +
            'cloud (no host is allowed; set image.web_download_hosts).'
        : `URI for web-download does not pass filtering: host ${url.hostname} is not allowed.`,
    )
  }
  return url
}

async function failImport(ctx: ImageContext, image: Image, from: string, error: unknown) {
  ctx.logger.warn({ err: error, imageId: image.id }, 'image import failed')
  await updateImage(
    ctx.db,
    image.id,
    {
      status: 'queued',
      properties: { ...image.properties, os_glance_failed_import: ctx.store.id },
      updatedAt: timestamp(ctx),
    },
    { expectStatus: [from] },
  )
}

async function finishImport(ctx: ImageContext, image: Image, data: Readable): Promise<void> {
  const limit = await uploadAllowance(ctx, image.owner, undefined)
  const result = await streamIntoStore(ctx, { store: ctx.store, key: image.id, data, limit })
  const done = await updateImage(ctx.db, image.id, activeChanges(ctx, image, result), {
    expectStatus: ['importing'],
  })
  if (!done) await ctx.store.delete(result.stored.location)
}

/**
 * Starts an import and returns at once (202); the image goes importing -> active, or back to
 * queued with `os_glance_failed_import` when the import fails.
 */
export async function importImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  request: ImportRequest,
): Promise<void> {
  const image = await ownedImage(ctx, caller, id, 'import data to')
  checkStores(ctx, request.stores)
  if (request.method === 'glance-direct') {
    if (image.status !== 'uploading') {
      throw new ImageStatusConflictError(
        `Image ${id} is not in 'uploading' status (it is '${image.status}'): stage data first.`,
      )
    }
    await claim(ctx, id, 'uploading')
    ctx.background.run(`import ${id}`, async () => {
      try {
        const staged = await ctx.staging.get(id)
        await finishImport(ctx, image, staged)
      } catch (error) {
        await failImport(ctx, image, 'importing', error)
      } finally {
        await ctx.staging.delete(id)
      }
    })
    return
  }
  if (request.method === 'web-download') {
    const url = checkWebDownloadUri(ctx, request.uri)
    if (image.status !== 'queued') {
      throw new ImageStatusConflictError(
        `Image ${id} is not in 'queued' status (it is '${image.status}').`,
      )
    }
    await claim(ctx, id, 'queued')
    ctx.background.run(`web-download ${id}`, async () => {
      try {
        const response = await fetch(url, { redirect: 'follow' })
        if (!response.ok || !response.body) throw new Error(`GET ${url.href}: ${response.status}`)
        const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)
        await finishImport(ctx, image, body)
      } catch (error) {
        await failImport(ctx, image, 'importing', error)
      }
    })
    return
  }
  throw new ImageValidationError(`Import method ${request.method} is not valid.`)
}

async function claim(ctx: ImageContext, id: string, from: string): Promise<void> {
  const claimed = await updateImage(
    ctx.db,
    id,
    { status: 'importing', updatedAt: timestamp(ctx) },
    { expectStatus: [from] },
  )
  if (!claimed) throw new ImageStatusConflictError(`Image ${id} changed status; try again.`)
}
