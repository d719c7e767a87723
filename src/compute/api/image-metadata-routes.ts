/** @module compute/api/image-metadata-routes: /images/{id}/metadata (until 2.35), forwarded to the image service */
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { changeImageMetadata, imageMetadataOf, proxyImage } from '../service/image-proxy.js'
import { rule } from './policy.js'

const PROXY = { max: '2.35' }

const key = { type: 'string', minLength: 1, maxLength: 255 }
const metadataBody = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata: {
      type: 'object',
      propertyNames: key,
      additionalProperties: { type: 'string', maxLength: 255 },
    },
  },
  additionalProperties: false,
}
const metaBody = {
  type: 'object',
  required: ['meta'],
  properties: {
    meta: {
      type: 'object',
      propertyNames: key,
      additionalProperties: { type: 'string', maxLength: 255 },
      minProperties: 1,
      maxProperties: 1,
    },
  },
  additionalProperties: false,
}

function tokenOf(input: RouteInput): string {
  return input.context.authToken ?? ''
}

function bodyObject(input: RouteInput, name: string): Record<string, string> {
  return ((input.body as Record<string, unknown>)[name] ?? {}) as Record<string, string>
}

export function imageMetadataRoutes(ctx: ComputeContext): Route[] {
  const base = { policy: rule('images'), microversion: PROXY }
  const all = '/v2.1/images/:id/metadata'
  const one = '/v2.1/images/:id/metadata/:key'
  return [
    {
      ...base,
      method: 'GET',
      path: all,
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const image = await proxyImage(ctx, tokenOf(input), input.params['id'] ?? '')
        return { status: 200, body: { metadata: imageMetadataOf(image) } }
      },
    },
    ...(['POST', 'PUT'] as const).map((method): Route => ({
      ...base,
      method,
      path: all,
      schema: { body: metadataBody },
      errors: [400, 403, 404],
      handler: async (input) => {
        input.authorize()
        const metadata = await changeImageMetadata(ctx, tokenOf(input), input.params['id'] ?? '', {
          set: bodyObject(input, 'metadata'),
          replace: method === 'PUT',
        })
        return { status: 200, body: { metadata } }
      },
    })),
    {
      ...base,
      method: 'GET',
      path: one,
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const image = await proxyImage(ctx, tokenOf(input), input.params['id'] ?? '')
        const k = input.params['key'] ?? ''
        const value = imageMetadataOf(image)[k]
        if (value === undefined) throw new NotFoundError(`Image metadata ${k} not found.`)
        return { status: 200, body: { meta: { [k]: value } } }
      },
    },
    {
      ...base,
      method: 'PUT',
      path: one,
      schema: { body: metaBody },
      errors: [400, 403, 404],
      handler: async (input) => {
        input.authorize()
        const k = input.params['key'] ?? ''
        const meta = bodyObject(input, 'meta')
        const value = meta[k]
        if (value === undefined) throw new BadRequestError('Request body and URI mismatch')
        await changeImageMetadata(ctx, tokenOf(input), input.params['id'] ?? '', {
          set: { [k]: value },
        })
        return { status: 200, body: { meta: { [k]: value } } }
      },
    },
    {
      ...base,
      method: 'DELETE',
      path: one,
      errors: [403, 404],
      handler: async (input) => {
        input.authorize()
        const k = input.params['key'] ?? ''
        await changeImageMetadata(ctx, tokenOf(input), input.params['id'] ?? '', {
          set: {},
          remove: k,
        })
        return { status: 204 }
      },
    },
  ]
}
