/** @module object-storage/api/routes: Swift's URL space, every method handed to the proxy */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import {
  defineRoutes,
  type HttpMethod,
  type Route,
  type RouteResult,
} from '../../core/http/index.js'
import { CloudError } from '../../core/errors/index.js'
import type { ProxyContext, SwiftResponse } from '../proxy/context.js'
import { addCorsHeaders } from '../proxy/cors.js'
import { handleSwiftRequest } from '../proxy/dispatch.js'
import { capabilities } from '../proxy/info.js'
import { swiftRequestFrom } from './swift-request.js'

/** Statuses the proxy answers with besides the framework's. */
const SWIFT_ERRORS = [202, 304, 401, 404, 405, 409, 411, 412, 413, 416, 422, 499, 503] as const

const HTML = 'text/html; charset=UTF-8'

const CROSS_DOMAIN_POLICY = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >',
  '<cross-domain-policy>',
  '<allow-access-from domain="*" secure="false" />',
  '</cross-domain-policy>',
].join('\n')

function toResult(response: SwiftResponse): RouteResult {
  const headers: Record<string, string> = { ...response.headers }
  const contentType = headers['content-type'] ?? HTML
  delete headers['content-type']
  headers['content-type'] = contentType
  if (response.stream)
    return { status: response.status, headers, stream: response.stream, contentType }
  if (response.body !== undefined)
    return { status: response.status, headers, body: response.body, contentType }
  if (headers['content-length'] === undefined && response.status !== 204 && response.status !== 304)
    headers['content-length'] = '0'
  return { status: response.status, headers }
}

const PATHS = ['/v1/:account', '/v1/:account/:container', '/v1/:account/:container/*']
const METHODS: HttpMethod[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS']

/** The route table: `/info` and every method on accounts, containers and objects. */
export function objectStorageRoutes(ctx: ProxyContext): readonly Route[] {
  const swift: Route[] = PATHS.flatMap((path) =>
    METHODS.map((method) => ({
      method,
      path,
      auth: 'optional' as const,
      errors: SWIFT_ERRORS,
      handler: async (input) => {
        const request = swiftRequestFrom(input)
        try {
          const response = await handleSwiftRequest(ctx, request)
          addCorsHeaders(ctx, request, response.headers)
          return toResult(response)
        } catch (error) {
          // Browsers only show a cross-origin caller the error when the CORS headers are on it.
          if (error instanceof CloudError) addCorsHeaders(ctx, request, error.headers)
          throw error
        }
      },
    })),
  )
  return defineRoutes([
    {
      method: 'GET',
      path: '/info',
      auth: 'none',
      errors: [],
      handler: async () => ({
        status: 200,
        body: capabilities(ctx),
        contentType: 'application/json; charset=utf-8',
      }),
    },
    {
      method: 'GET',
      path: '/crossdomain.xml',
      auth: 'none',
      errors: [],
      // Swift's crossdomain middleware with its default policy, for Flash and Silverlight clients.
      handler: async () => ({
        status: 200,
        body: CROSS_DOMAIN_POLICY,
        contentType: 'application/xml; charset=UTF-8',
      }),
    },
    {
      method: 'GET',
      path: '/healthcheck',
      auth: 'none',
      errors: [],
      // Swift's healthcheck middleware: a load balancer's probe.
      handler: async () => ({ status: 200, body: 'OK', contentType: 'text/plain' }),
    },
    ...swift,
  ])
}

/** Swift's transaction id: `tx`, 21 hex digits, `-`, the time in hex. */
export function transactionId(nowMs: number): string {
  const time = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(10, '0')
  // As Swift's uuid4().hex[:21]; randomUUID draws from a cached pool of random bytes.
  return `tx${randomUUID().replaceAll('-', '').slice(0, 21)}-${time}`
}

/** Streams every body unparsed and stamps Swift's transaction id on every response. */
export function configureObjectStorageScope(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
  scope.addHook('onRequest', async (request, reply) => {
    const id = transactionId(Date.now())
    reply.header('x-trans-id', id)
  })
}
