/** @module image/api/content-types: body parsers and error negotiation of the image scope */
import type { FastifyInstance } from 'fastify'
import { negotiateImageFault } from '../../core/faults/index.js'
import { parseJsonBody } from '../../core/http/index.js'

/**
 * Adds, to the image service's scope only: raw streams for `application/octet-stream` (image
 * data is never buffered), Glance's JSON Patch media types, and webob's HTML or text error
 * pages for clients that do not ask for JSON.
 */
export function configureImageScope(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
    done(null, payload)
  })
  scope.addContentTypeParser(
    /^application\/openstack-images-v2\.[01]-json-patch/i,
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string))
      } catch (error) {
        done(error as Error, undefined)
      }
    },
  )
  scope.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type')
    if (typeof payload !== 'string' || typeof type !== 'string') return payload
    if (!type.startsWith('application/json')) return payload
    const accept = request.headers.accept
    const negotiated = negotiateImageFault(reply.statusCode, payload, accept)
    if (!negotiated) return payload
    reply.header('content-type', negotiated.contentType)
    return negotiated.body
  })
}
