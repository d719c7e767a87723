/** @module compute/api/images-routes: the /images proxy to the image service (until 2.35) */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import {
  proxyDeleteImage,
  proxyImage,
  proxyImages,
  type ImageInfo,
} from '../service/image-proxy.js'
import { rule } from './policy.js'
import { baseUrl, idParams, queryOne } from './route-kit.js'

const STATUS: Record<string, [string, number]> = {
  queued: ['SAVING', 25],
  saving: ['SAVING', 50],
  uploading: ['SAVING', 50],
  importing: ['SAVING', 50],
  active: ['ACTIVE', 100],
  killed: ['ERROR', 0],
  deleted: ['DELETED', 0],
  pending_delete: ['DELETED', 0],
  deactivated: ['ERROR', 0],
}

function imageLinks(input: RouteInput, id: string) {
  const base = baseUrl(input)
  return [
    { rel: 'self', href: `${base}/v2.1/images/${id}` },
    { rel: 'bookmark', href: `${base}/images/${id}` },
  ]
}

function imageView(input: RouteInput, i: ImageInfo) {
  const [status, progress] = STATUS[i.status] ?? ['UNKNOWN', 0]
  const metadata = Object.fromEntries(
    Object.entries(i.properties).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  )
  const server =
    typeof i.properties['instance_uuid'] === 'string' ? i.properties['instance_uuid'] : undefined
  return {
    id: i.id,
    name: i.name,
    minRam: i.minRam,
    minDisk: i.minDisk,
    metadata,
    created: i.createdAt,
    updated: i.updatedAt,
    status,
    progress,
    links: imageLinks(input, i.id),
    'OS-EXT-IMG-SIZE:size': i.size ?? 0,
    ...(server
      ? {
          server: {
            id: server,
            links: [{ rel: 'self', href: `${baseUrl(input)}/v2.1/servers/${server}` }],
          },
        }
      : {}),
  }
}

/** Nova's image list filters: name, status, server, type, minRam, minDisk, changes-since, marker, limit. */
function filterImages(input: RouteInput, images: ImageInfo[]): ImageInfo[] {
  const q = (k: string) => queryOne(input, k)
  const since = q('changes-since')
  let out = images.filter((i) => {
    const status = STATUS[i.status]?.[0] ?? 'UNKNOWN'
    const server = q('server')?.split('/').pop()
    if (q('name') !== undefined && i.name !== q('name')) return false
    if (q('status') !== undefined && status !== q('status')?.toUpperCase()) return false
    if (server !== undefined && i.properties['instance_uuid'] !== server) return false
    if (q('type') !== undefined && (i.properties['image_type'] ?? 'image') !== q('type'))
      return false
    if (q('minRam') !== undefined && i.minRam < Number(q('minRam'))) return false
    if (q('minDisk') !== undefined && i.minDisk < Number(q('minDisk'))) return false
    if (since !== undefined && Date.parse(i.updatedAt) < Date.parse(since)) return false
    return true
  })
  const marker = q('marker')
  if (marker !== undefined) out = out.slice(out.findIndex((i) => i.id === marker) + 1)
  const limit = q('limit')
  return limit !== undefined ? out.slice(0, Number(limit)) : out
}

export function imageRoutes(ctx: ComputeContext): Route[] {
  const token = (input: RouteInput) => input.context.authToken ?? ''
  const base = { policy: rule('images'), microversion: { max: '2.35' } }
  return [
    ...(['', '/detail'] as const).map((suffix): Route => ({
      ...base,
      method: 'GET',
      path: `/v2.1/images${suffix}`,
      errors: [],
      handler: async (input) => {
        input.authorize()
        const images = filterImages(input, await proxyImages(ctx, token(input)))
        const body = images.map((i) =>
          suffix ? imageView(input, i) : { id: i.id, name: i.name, links: imageLinks(input, i.id) },
        )
        return { status: 200, body: { images: body } }
      },
    })),
    {
      ...base,
      method: 'GET',
      path: '/v2.1/images/:id',
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const image = await proxyImage(ctx, token(input), input.params['id'] ?? '')
        return { status: 200, body: { image: imageView(input, image) } }
      },
    },
    {
      ...base,
      method: 'DELETE',
      path: '/v2.1/images/:id',
      schema: { params: idParams },
      errors: [403, 404],
      handler: async (input) => {
        input.authorize()
        await proxyDeleteImage(ctx, token(input), input.params['id'] ?? '')
        return { status: 204 }
      },
    },
  ]
}
