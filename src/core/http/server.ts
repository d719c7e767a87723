/** @module core/http/server: the API listener every service mounts on */
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A request id: the caller's `X-OpenStack-Request-ID` when well formed, else a new one. */
export function requestIdFor(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header
  return given && REQUEST_ID.test(given) ? given : `req-${randomUUID()}`
}

/** The listener with its readiness flag. */
export interface HttpServer {
  app: FastifyInstance
  /** Marks every unit ready (healthcheck 200) or not (503). */
  setReady(ready: boolean): void
}

/** Options of the API listener. */
export interface HttpServerOptions {
  logger: Logger
  /** Default largest body, in bytes. */
  bodyLimit?: number
}

/** Creates the listener: request ids, access log, healthcheck, plain 404 outside services. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    forceCloseConnections: true,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (request) => requestIdFor(request.headers['x-openstack-request-id']),
    routerOptions: {
      maxParamLength: 1000,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
    },
  })
  // WebDAV's COPY is in HTTP_METHODS (Swift copies objects with it); Fastify needs telling.
  app.addHttpMethod('COPY', { hasBody: true })
  let ready = false
  const log = options.logger
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-openstack-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    log.info(
      {
        requestId: request.id,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    )
  })
  app.get('/healthcheck', async (_request, reply) =>
    reply
      .code(ready ? 200 : 503)
      .type('text/plain')
      .send(ready ? 'OK' : 'Service Unavailable'),
  )
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json')
      .send(
        JSON.stringify({
          error: {
            code: 404,
            title: 'Not Found',
            message: `No route for ${request.method} ${request.url.split('?')[0]}`,
          },
        }),
      ),
  )
  return { app, setReady: (value) => (ready = value) }
}
