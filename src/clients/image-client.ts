/** @module clients/image-client: the Image API as the compute service uses it */
import type { Readable } from 'node:stream'
import { ServiceCallError } from './errors.js'
import type { DispatchRequest } from './http-dispatcher.js'
import { restCall, type RestEndpoint } from './rest-client.js'

/** An image as the compute service needs it. */
export interface ImageInfo {
  id: string
  name: string
  status: string
  owner: string
  visibility: string
  minDisk: number
  minRam: number
  size: number | null
  createdAt: string
  updatedAt: string
  properties: Record<string, unknown>
  diskFormat?: string | null
  containerFormat?: string | null
  virtualSize?: number | null
  checksum?: string | null
}

type Json = Record<string, unknown>

const CORE = new Set([
  'id',
  'name',
  'status',
  'owner',
  'visibility',
  'min_disk',
  'min_ram',
  'size',
  'checksum',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
  'protected',
  'virtual_size',
  'disk_format',
  'container_format',
  'os_hash_algo',
  'os_hash_value',
  'os_hidden',
  'locations',
  'direct_url',
  'stores',
])

function imageFrom(i: Json): ImageInfo {
  return {
    id: String(i['id']),
    name: String(i['name'] ?? ''),
    status: String(i['status']),
    owner: String(i['owner'] ?? ''),
    visibility: String(i['visibility'] ?? 'public'),
    minDisk: Number(i['min_disk'] ?? 0),
    minRam: Number(i['min_ram'] ?? 0),
    size: typeof i['size'] === 'number' ? i['size'] : null,
    createdAt: String(i['created_at'] ?? ''),
    updatedAt: String(i['updated_at'] ?? ''),
    properties: Object.fromEntries(Object.entries(i).filter(([k]) => !CORE.has(k))),
    diskFormat: typeof i['disk_format'] === 'string' ? i['disk_format'] : null,
    containerFormat: typeof i['container_format'] === 'string' ? i['container_format'] : null,
    virtualSize: typeof i['virtual_size'] === 'number' ? i['virtual_size'] : null,
    checksum: typeof i['checksum'] === 'string' ? i['checksum'] : null,
  }
}

/** The Image API client. */
export interface ImageClient {
  getImage(id: string): Promise<ImageInfo | undefined>
  /** Creates a queued image record (a snapshot's, before its data). */
  createImage(input: {
    name: string
    /** The owning project; omitted: the token's project. */
    owner?: string
    /** `private` unless given (`public` needs an admin token). */
    visibility?: 'private' | 'public'
    properties: Record<string, string>
    diskFormat: string
    containerFormat: string
    minDisk: number
    minRam: number
  }): Promise<ImageInfo>
  uploadData(id: string, data: Buffer): Promise<void>
  /** Sets a queued image's disk and container formats (what its data turned out to be). */
  setFormats(id: string, formats: { diskFormat: string; containerFormat: string }): Promise<void>
  /** Sends an image's data as it is read, without holding it in memory. */
  uploadStream(id: string, data: Readable, size?: number): Promise<void>
  /** The image's data as a stream the caller must consume or destroy. */
  downloadData(id: string): Promise<Readable>
  /** Every image the token's project may see. */
  listImages(): Promise<ImageInfo[]>
  /**
   * Sets the given extra properties and removes the named ones (one JSON patch); `current` are
   * the image's properties as last read, which decide between `add` and `replace`.
   */
  patchProperties(
    id: string,
    current: Readonly<Record<string, unknown>>,
    changes: { set: Record<string, string>; remove: readonly string[] },
  ): Promise<ImageInfo>
  deleteImage(id: string): Promise<void>
}

export function createImageClient(endpoint: RestEndpoint): ImageClient {
  return {
    async getImage(id) {
      const r = await restCall(endpoint, 'GET', `/images/${encodeURIComponent(id)}`, {
        allow: [404, 400],
      })
      return r.status >= 400 ? undefined : imageFrom(r.body as Json)
    },
    async createImage(input) {
      const r = await restCall(endpoint, 'POST', '/images', {
        body: {
          name: input.name,
          ...(input.owner !== undefined ? { owner: input.owner } : {}),
          disk_format: input.diskFormat,
          container_format: input.containerFormat,
          min_disk: input.minDisk,
          min_ram: input.minRam,
          visibility: input.visibility ?? 'private',
          ...input.properties,
        },
      })
      return imageFrom(r.body as Json)
    },
    async setFormats(id, formats) {
      await restCall(endpoint, 'PATCH', `/images/${encodeURIComponent(id)}`, {
        body: [
          { op: 'replace', path: '/disk_format', value: formats.diskFormat },
          { op: 'replace', path: '/container_format', value: formats.containerFormat },
        ],
        contentType: 'application/openstack-images-v2.1-json-patch',
      })
    },
    async patchProperties(id, current, changes) {
      const pointer = (key: string) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
      const ops = [
        ...Object.entries(changes.set).map(([key, value]) => ({
          op: key in current ? 'replace' : 'add',
          path: pointer(key),
          value,
        })),
        ...changes.remove
          .filter((key) => key in current)
          .map((key) => ({ op: 'remove', path: pointer(key) })),
      ]
      const r = await restCall(endpoint, 'PATCH', `/images/${encodeURIComponent(id)}`, {
        body: ops,
        contentType: 'application/openstack-images-v2.1-json-patch',
      })
      return imageFrom(r.body as Json)
    },
    async uploadData(id, data) {
      await restCall(endpoint, 'PUT', `/images/${encodeURIComponent(id)}/file`, { raw: data })
    },
    async uploadStream(id, data, size) {
      const r = await streamCall(endpoint, {
        method: 'PUT',
        path: `/images/${encodeURIComponent(id)}/file`,
        headers: {
          'content-type': 'application/octet-stream',
          ...(size !== undefined ? { 'content-length': String(size) } : {}),
        },
        body: data,
      })
      if (r.status >= 400) throw new ServiceCallError(endpoint.service, r.status, r.body)
    },
    async downloadData(id) {
      const r = await streamCall(endpoint, {
        method: 'GET',
        path: `/images/${encodeURIComponent(id)}/file`,
        headers: {},
        responseStream: true,
      })
      if (r.status >= 400 || !r.stream) {
        const text = r.stream ? await textOf(r.stream) : r.body
        throw new ServiceCallError(endpoint.service, r.status, text.slice(0, 200))
      }
      return r.stream
    },
    async listImages() {
      const out: ImageInfo[] = []
      let next: string | undefined = '/images?limit=1000'
      while (next) {
        const r = await restCall(endpoint, 'GET', next)
        const body = r.body as { images: Json[]; next?: string }
        out.push(...body.images.map(imageFrom))
        next = body.next?.replace(/^\/v2/, '')
      }
      return out
    },
    async deleteImage(id) {
      await restCall(endpoint, 'DELETE', `/images/${encodeURIComponent(id)}`, { allow: [404] })
    },
  }
}

async function textOf(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** One request with the service token; a stream body cannot be resent, so no retry on 401. */
async function streamCall(endpoint: RestEndpoint, request: DispatchRequest) {
  return endpoint.dispatch({
    ...request,
    path: `${endpoint.base}${request.path}`,
    headers: {
      'x-auth-token': await endpoint.tokens.token(false),
      ...(endpoint.headers ?? {}),
      ...request.headers,
    },
  })
}
