/** @module clients/http-dispatcher: how one service reaches another's public REST API */
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { FastifyInstance } from 'fastify'

/** A request to another service, with a path on the API listener (`/networking/v2.0/ports`). */
export interface DispatchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'
  path: string
  headers: Record<string, string>
  /** A stream is sent as it is read (large uploads). */
  body?: string | Buffer | Readable
  /** Answer with the body as `stream` instead of text (large downloads). */
  responseStream?: boolean
}

/** The answer, with the body as text. */
export interface DispatchResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The body as text; empty when the request asked for `responseStream`. */
  body: string
  /** The body, when the request asked for `responseStream`: the caller must consume it. */
  stream?: Readable
}

/**
 * Sends a request to the API listener: over HTTP between machines, or in process (Fastify
 * `inject`) in the all-in-one, where it still goes through the same routes, validation and policy.
 */
export type HttpDispatcher = (request: DispatchRequest) => Promise<DispatchResponse>

/** A dispatcher over HTTP to `baseUrl` (e.g. `http://controller:5000`). */
export function fetchDispatcher(baseUrl: string, timeoutMs = 60_000): HttpDispatcher {
  return async (request) => {
    const { body } = request
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(body instanceof Readable
        ? { body: Readable.toWeb(body) as ReadableStream, duplex: 'half' }
        : body !== undefined
          ? { body: typeof body === 'string' ? body : new Uint8Array(body) }
          : {}),
      ...(request.responseStream ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
    } as RequestInit)
    if (request.responseStream) {
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers.entries()),
        body: '',
        stream: response.body
          ? Readable.fromWeb(response.body as WebReadableStream)
          : Readable.from([]),
      }
    }
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: await response.text(),
    }
  }
}

/** A dispatcher that runs requests through the listener's own routes without a socket. */
export function injectDispatcher(app: Pick<FastifyInstance, 'inject'>): HttpDispatcher {
  return async (request) => {
    const response = await app.inject({
      method: request.method,
      url: request.path,
      headers: request.headers,
      ...(request.body !== undefined ? { payload: request.body } : {}),
      ...(request.responseStream ? { payloadAsStream: true } : {}),
    })
    if (request.responseStream) {
      return {
        status: response.statusCode,
        headers: response.headers as DispatchResponse['headers'],
        body: '',
        stream: response.stream(),
      }
    }
    return {
      status: response.statusCode,
      headers: response.headers as DispatchResponse['headers'],
      body: response.body,
    }
  }
}
