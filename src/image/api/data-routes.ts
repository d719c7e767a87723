/** @module image/api/data-routes: image data upload, download, staging and import */
import type { Readable } from 'node:stream'
import type { Route, RouteInput } from '../../core/http/index.js'
import { ImageMediaTypeError, ImageValidationError } from '../errors.js'
import type { ImageContext } from '../service/context.js'
import { openImageData, stageImageData, uploadImageData } from '../service/image-data.js'
import { importImage } from '../service/image-import.js'
import { imageCaller, projectTarget } from './caller.js'
import { requireMediaType } from './image-input.js'

const OCTET_STREAM = 'application/octet-stream'

const imageParams = {
  type: 'object',
  required: ['image_id'],
  properties: { image_id: { type: 'string', maxLength: 255 } },
}

function uploadBody(input: RouteInput): { data: Readable; contentLength?: number } {
  requireMediaType(input.raw.headers['content-type'], OCTET_STREAM)
  const body = input.body as Readable | undefined
  if (!body || typeof body.pipe !== 'function') {
    throw new ImageMediaTypeError(`Image data must be sent as ${OCTET_STREAM}.`)
  }
  const header = input.raw.headers['content-length']
  const length = header === undefined ? undefined : Number(header)
  return {
    data: body,
    ...(length !== undefined && Number.isSafeInteger(length) ? { contentLength: length } : {}),
  }
}

const importBody = {
  type: 'object',
  required: ['method'],
  properties: {
    method: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, uri: { type: 'string', maxLength: 4096 } },
    },
    stores: { type: 'array', items: { type: 'string' } },
    all_stores: { type: 'boolean' },
    all_stores_must_succeed: { type: 'boolean' },
  },
}

/** Routes moving image bytes. */
export function dataRoutes(ctx: ImageContext): Route[] {
  return [
    {
      method: 'PUT',
      path: '/v2/images/:image_id/file',
      policy: 'upload_image',
      schema: { params: imageParams },
      errors: [409, 410, 413],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { data, contentLength } = uploadBody(input)
        await uploadImageData(ctx, imageCaller(input), input.params['image_id'] ?? '', data, {
          ...(contentLength !== undefined ? { contentLength } : {}),
        })
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2/images/:image_id/file',
      policy: 'download_image',
      schema: { params: imageParams },
      errors: [416],
      async handler(input) {
        input.authorize(projectTarget(input))
        const range = input.raw.headers['range']
        const download = await openImageData(
          ctx,
          imageCaller(input),
          input.params['image_id'] ?? '',
          typeof range === 'string' ? range : undefined,
        )
        if (download.kind === 'empty') return { status: 204 }
        const headers: Record<string, string | number> = {
          'Content-Length': download.length,
        }
        if (download.range) {
          const { start, end, total } = download.range
          headers['Content-Range'] = `bytes ${start}-${end}/${total}`
        } else if (download.image.checksum) {
          headers['Content-MD5'] = download.image.checksum
        }
        const status = download.range ? 206 : 200
        if (input.raw.method === 'HEAD') {
          download.stream.destroy()
          return { status, headers }
        }
        return { status, headers, stream: download.stream, contentType: OCTET_STREAM }
      },
    },
    {
      method: 'PUT',
      path: '/v2/images/:image_id/stage',
      policy: 'stage_image',
      schema: { params: imageParams },
      errors: [409, 413],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { data, contentLength } = uploadBody(input)
        await stageImageData(ctx, imageCaller(input), input.params['image_id'] ?? '', data, {
          ...(contentLength !== undefined ? { contentLength } : {}),
        })
        return { status: 204 }
      },
    },
    {
      method: 'POST',
      path: '/v2/images/:image_id/import',
      policy: 'import_image',
      schema: { params: imageParams, body: importBody },
      errors: [409, 413],
      async handler(input) {
        input.authorize(projectTarget(input))
        const body = input.body as {
          method: { name: string; uri?: string }
          stores?: string[]
        }
        if (body.method.name === '') throw new ImageValidationError('method.name is empty.')
        await importImage(ctx, imageCaller(input), input.params['image_id'] ?? '', {
          method: body.method.name,
          ...(body.method.uri !== undefined ? { uri: body.method.uri } : {}),
          ...(body.stores ? { stores: body.stores } : {}),
        })
        return { status: 202 }
      },
    },
  ]
}
