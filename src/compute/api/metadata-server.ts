/** @module compute/api/metadata-server: Nova's metadata API on its own listener, for the network's metadata proxy */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Clock } from '../../core/clock/index.js'
import type { Logger } from '../../core/log/index.js'
import { lookupMetadata, pathTokens, rootListing } from '../metadata/metadata-paths.js'
import { verifyInstanceSignature } from '../metadata/metadata-signature.js'
import {
  metadataSourceById,
  PASSWORD_MAX,
  setServerPassword,
  type MetadataContext,
} from '../service/instance-metadata.js'

/** What the metadata listener is built with. */
export interface MetadataServerOptions {
  ctx: MetadataContext
  /** The secret the proxy signs X-Instance-ID with (Neutron's metadata_proxy_shared_secret). */
  secret: string
  clock: Clock
  logger: Logger
}

const STATUS_TEXT: Record<number, [string, string]> = {
  400: [
    'Bad Request',
    'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  ],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
}

/** An error in webob's plain text form, as Nova's metadata API answers. */
function plainError(reply: FastifyReply, status: number, explanation?: string): FastifyReply {
  const [title, standard] = STATUS_TEXT[status] ?? ['Error', '']
  return reply
    .code(status)
    .type('text/plain; charset=UTF-8')
    .send(`${status} ${title}\n\n${explanation ?? standard}\n\n   `)
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** The proxy's headers checked as Nova does: 400 when one is missing, 403 for a bad signature. */
function proxyHeaders(
  request: FastifyRequest,
  secret: string,
):
  | { instanceId: string; tenantId: string; address: string | null }
  | { status: number; message: string } {
  const instanceId = header(request, 'x-instance-id')
  const tenantId = header(request, 'x-tenant-id')
  const signature = header(request, 'x-instance-id-signature')
  if (instanceId === undefined) {
    return { status: 400, message: 'X-Instance-ID header is missing from request.' }
  }
  if (signature === undefined) {
    return { status: 400, message: 'X-Instance-ID-Signature header is missing from request.' }
  }
  if (tenantId === undefined) {
    return { status: 400, message: 'X-Tenant-ID header is missing from request.' }
  }
  if (instanceId.includes(',')) {
    return { status: 400, message: 'Multiple X-Instance-ID headers found within request.' }
  }
  if (tenantId.includes(',')) {
    return { status: 400, message: 'Multiple X-Tenant-ID headers found within request.' }
  }
  if (!verifyInstanceSignature(secret, instanceId, signature)) {
    return { status: 403, message: 'Invalid proxy request signature.' }
  }
  const forwarded = header(request, 'x-forwarded-for')?.split(',')[0]?.trim()
  return { instanceId, tenantId, address: forwarded || null }
}

/** Builds the listener; the caller listens on it and closes it. */
export function createMetadataServer(options: MetadataServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  const log = options.logger.child({ service: 'compute-metadata' })
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '*',
    handler: async (request, reply) => {
      const path = request.url
      if (pathTokens(path).length === 0) {
        return reply.type('text/plain; charset=UTF-8').send(rootListing())
      }
      const proxy = proxyHeaders(request, options.secret)
      if ('status' in proxy) {
        if (proxy.status === 403) log.warn({ path }, proxy.message)
        return plainError(reply, proxy.status, proxy.message)
      }
      const source = await metadataSourceById(options.ctx, proxy.instanceId)
      if (!source || source.projectId !== proxy.tenantId) return plainError(reply, 404)
      const today = new Date(options.clock.now()).toISOString().slice(0, 10)
      const item = lookupMetadata(source, path, { address: proxy.address, today })
      if (item.kind === 'missing') return plainError(reply, 404)
      if (item.kind === 'document') {
        return reply.type(`${item.contentType}; charset=UTF-8`).send(item.body)
      }
      if (request.method === 'GET' || request.method === 'HEAD') {
        return reply.type('text/plain; charset=UTF-8').send(source.password ?? '')
      }
      if (request.method !== 'POST') {
        return plainError(reply, 400, 'GET and POST only are supported.')
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      if (body.length > PASSWORD_MAX && !source.password) {
        return plainError(reply, 400, 'Request is too large.')
      }
      const outcome = await setServerPassword(options.ctx, source.uuid, body.toString('utf8'))
      if (outcome === 'conflict') return plainError(reply, 409)
      if (outcome === 'too-large') return plainError(reply, 400, 'Request is too large.')
      return reply.type('text/plain; charset=UTF-8').send('')
    },
  })
  app.setNotFoundHandler((_request, reply) => plainError(reply, 404))
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = error.statusCode ?? 500
    if (status >= 500) log.error({ err: error }, 'metadata request failed')
    if (status === 413) return plainError(reply, 400, 'Request is too large.')
    if (status < 500) return plainError(reply, 400, error.message)
    return reply
      .code(500)
      .type('text/plain; charset=UTF-8')
      .send(
        '500 Internal Server Error\n\nAn unknown error has occurred. Please try your request again.\n\n   ',
      )
  })
  return app
}

/** Where the metadata API listens; port 0 runs none. */
export interface MetadataListenerSettings {
  host: string
  port: number
  secret: string
}

/**
 * Starts the metadata listener. A port already taken is said in the log and leaves the cloud
 * without a metadata API (guests fall back to their config drive or appended config).
 */
export async function listenMetadata(
  options: Omit<MetadataServerOptions, 'secret'> & { settings: MetadataListenerSettings },
): Promise<FastifyInstance | undefined> {
  const { host, port, secret } = options.settings
  if (port === 0) return undefined
  const app = createMetadataServer({ ...options, secret })
  try {
    await app.listen({ host, port })
  } catch (error) {
    await app.close()
    options.logger.error(
      { err: error },
      `the compute metadata API could not listen on ${host}:${port}: guests get no metadata service`,
    )
    return undefined
  }
  options.logger.info(`compute metadata API listening on ${host}:${port}`)
  return app
}
