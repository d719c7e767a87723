/** @module image/api/discovery-routes: versions, schemas and /v2/info */
import type { Route, RouteInput } from '../../core/http/index.js'
import { ImageNotFoundError } from '../errors.js'
import type { ImageContext } from '../service/context.js'
import { importMethods } from '../service/image-import.js'
import { quotaUsage } from '../service/quotas.js'
import { projectTarget } from './caller.js'
import { imageSchema, imagesSchema, memberSchema, membersSchema } from './image-schemas.js'

/** The v2 minor versions this service implements; the last is CURRENT. */
const MINOR_VERSIONS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

const SCHEMAS: Record<string, () => Record<string, unknown>> = {
  image: imageSchema,
  images: imagesSchema,
  member: memberSchema,
  members: membersSchema,
}

function origin(input: RouteInput): string {
  const forwarded = input.raw.headers['x-forwarded-proto']
  const proto = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined
  return `${proto || input.raw.protocol}://${input.raw.headers.host ?? 'localhost'}`
}

function versions(input: RouteInput, publicPath: string) {
  const href = `${origin(input)}${publicPath}/v2/`
  const last = MINOR_VERSIONS[MINOR_VERSIONS.length - 1]
  return {
    versions: [...MINOR_VERSIONS].reverse().map((minor) => ({
      id: `v2.${minor}`,
      status: minor === last ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href }],
    })),
  }
}

/** Version documents at the service root (`/image`, `/image/versions`). */
export function versionRoutes(publicPath: string): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      handler: async (input) => ({ status: 300, body: versions(input, publicPath) }),
    },
    {
      method: 'GET',
      path: '/versions',
      auth: 'none',
      errors: [],
      handler: async (input) => ({ status: 200, body: versions(input, publicPath) }),
    },
  ]
}

/** Schemas and service information under /v2. */
export function discoveryRoutes(ctx: ImageContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2/schemas/:name',
      policy: 'get_schemas',
      schema: {
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 64 } } },
      },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const build = SCHEMAS[input.params['name'] ?? '']
        if (!build) throw new ImageNotFoundError('')
        return { status: 200, body: build() }
      },
    },
    {
      method: 'GET',
      path: '/v2/info/import',
      policy: 'get_info',
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        return {
          status: 200,
          body: {
            'import-methods': {
              description: 'Import methods available.',
              type: 'array',
              value: importMethods(),
            },
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2/info/stores',
      policy: 'get_info',
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        return {
          status: 200,
          body: {
            stores: [{ id: ctx.store.id, description: ctx.store.description, default: true }],
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2/info/usage',
      policy: 'get_usage',
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const usage = await quotaUsage(ctx, input.context.identity?.projectId ?? null)
        return {
          status: 200,
          body: {
            usage: {
              image_count_total: usage.imageCount,
              image_size_total: usage.imageSize,
              image_count_uploading: usage.uploading,
            },
          },
        }
      },
    },
  ]
}
