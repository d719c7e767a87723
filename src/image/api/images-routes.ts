/** @module image/api/images-routes: /v2/images, image actions and tags */
import type { Route, RouteInput } from '../../core/http/index.js'
import { ImageNotFoundError } from '../errors.js'
import type { ImageContext } from '../service/context.js'
import { listImages } from '../service/image-list.js'
import { patchImage } from '../service/image-patch.js'
import {
  addImageTag,
  createImage,
  deactivateImage,
  deleteImageTag,
  deleteImage,
  reactivateImage,
  showImage,
} from '../service/images.js'
import { imageCaller, projectTarget } from './caller.js'
import {
  imageCreateInput,
  parsePatch,
  requireMediaType,
  requirePatchMediaType,
} from './image-input.js'
import { listQuerySchema, parseListQuery } from './list-query.js'
import { imageView } from './views.js'

const imageParams = {
  type: 'object',
  required: ['image_id'],
  properties: { image_id: { type: 'string', maxLength: 255 } },
}

const tagParams = {
  type: 'object',
  required: ['image_id', 'tag'],
  properties: {
    image_id: { type: 'string', maxLength: 255 },
    tag: { type: 'string', minLength: 1, maxLength: 255 },
  },
}

function nextLink(input: RouteInput, marker: string): string {
  const query = new URLSearchParams(input.raw.url.split('?')[1] ?? '')
  query.delete('marker')
  query.append('marker', marker)
  return `/v2/images?${query.toString()}`
}

function requireJsonBody(input: RouteInput): void {
  if (input.raw.headers['content-type'] !== undefined) {
    requireMediaType(input.raw.headers['content-type'], 'application/json')
  }
}

/** Routes of images themselves. */
export function imagesRoutes(ctx: ImageContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/images',
      policy: 'add_image',
      schema: { body: { type: 'object' } },
      errors: [409, 413],
      async handler(input) {
        input.authorize(projectTarget(input))
        requireJsonBody(input)
        const image = await createImage(ctx, imageCaller(input), imageCreateInput(input.body))
        return {
          status: 201,
          body: imageView(image),
          headers: { Location: `/v2/images/${image.id}` },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2/images',
      policy: 'get_images',
      schema: { query: listQuerySchema },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        // `GET /v2/images/` is a show with an empty id, which Glance answers 404.
        if (input.raw.url.split('?')[0]?.endsWith('/')) throw new ImageNotFoundError('')
        const request = parseListQuery(input.query, ctx.config)
        const page = await listImages(ctx, imageCaller(input), request)
        return {
          status: 200,
          body: {
            images: page.images.map(imageView),
            first: '/v2/images',
            schema: '/v2/schemas/images',
            ...(page.nextMarker ? { next: nextLink(input, page.nextMarker) } : {}),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2/images/:image_id',
      policy: 'get_image',
      schema: { params: imageParams },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const image = await showImage(ctx, imageCaller(input), input.params['image_id'] ?? '')
        return { status: 200, body: imageView(image) }
      },
    },
    {
      method: 'PATCH',
      path: '/v2/images/:image_id',
      policy: 'modify_image',
      schema: { params: imageParams },
      errors: [409, 413],
      async handler(input) {
        input.authorize(projectTarget(input))
        requirePatchMediaType(input.raw.headers['content-type'])
        const image = await patchImage(
          ctx,
          imageCaller(input),
          input.params['image_id'] ?? '',
          parsePatch(input.body),
        )
        return { status: 200, body: imageView(image) }
      },
    },
    {
      method: 'DELETE',
      path: '/v2/images/:image_id',
      policy: 'delete_image',
      schema: { params: imageParams },
      errors: [409],
      async handler(input) {
        input.authorize(projectTarget(input))
        await deleteImage(ctx, imageCaller(input), input.params['image_id'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'POST',
      path: '/v2/images/:image_id/actions/deactivate',
      policy: 'deactivate',
      schema: { params: imageParams },
      errors: [409],
      async handler(input) {
        input.authorize(projectTarget(input))
        await deactivateImage(ctx, imageCaller(input), input.params['image_id'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'POST',
      path: '/v2/images/:image_id/actions/reactivate',
      policy: 'reactivate',
      schema: { params: imageParams },
      errors: [409],
      async handler(input) {
        input.authorize(projectTarget(input))
        await reactivateImage(ctx, imageCaller(input), input.params['image_id'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'PUT',
      path: '/v2/images/:image_id/tags/:tag',
      policy: 'modify_image',
      schema: { params: tagParams },
      errors: [413],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { image_id: id = '', tag = '' } = input.params
        await addImageTag(ctx, imageCaller(input), id, tag)
        return { status: 204 }
      },
    },
    {
      method: 'DELETE',
      path: '/v2/images/:image_id/tags/:tag',
      policy: 'modify_image',
      schema: { params: tagParams },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { image_id: id = '', tag = '' } = input.params
        await deleteImageTag(ctx, imageCaller(input), id, tag)
        return { status: 204 }
      },
    },
  ]
}
