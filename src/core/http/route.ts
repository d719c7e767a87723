/** @module core/http/route: the route table entry every service declares */
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import type { RequestContext } from '../auth/index.js'
import type { Microversion } from './microversion.js'

export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'COPY',
  'OPTIONS',
] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** A JSON schema, as plain data. */
export type JsonSchema = Record<string, unknown>

/** What a handler receives: validated input and the caller. */
export interface RouteInput {
  params: Record<string, string>
  query: Record<string, unknown>
  body: unknown
  headers: IncomingHttpHeaders
  context: RequestContext
  /** Checks the route's policy rule against `target`; throws 403 when it fails. */
  authorize(target?: Record<string, unknown>): void
  /** Checks another policy rule (for rules that depend on the body); throws 403. */
  authorizeRule(rule: string, target?: Record<string, unknown>): void
  /** Whether a rule passes, without throwing. */
  allowed(rule: string, target?: Record<string, unknown>): boolean
  /** The negotiated microversion, for microversioned services. */
  microversion?: Microversion
  /** The raw request, for streaming bodies. */
  raw: FastifyRequest
}

/** What a handler returns. A `stream` body is piped as is. */
export interface RouteResult {
  status: number
  body?: unknown
  stream?: Readable
  headers?: Record<string, string | number>
  contentType?: string
}

/** How a route authenticates its caller. */
export type RouteAuth = 'token' | 'none' | 'optional'

/** One entry of a service's route table. */
export interface Route {
  method: HttpMethod
  /** Fastify path under the service prefix, with `:params`. */
  path: string
  /** `token` (default): a valid X-Auth-Token is required. */
  auth?: RouteAuth
  /** The policy rule the handler authorizes against; omitted only for public routes. */
  policy?: string
  schema?: { params?: JsonSchema; query?: JsonSchema; body?: JsonSchema }
  /** Error statuses the handler may return besides the framework's 400/401/403/413/415. */
  errors: readonly number[]
  /** Inclusive microversion range in which the route exists. */
  microversion?: { min?: string; max?: string }
  /** Largest accepted body in bytes, when it differs from the service's. */
  bodyLimit?: number
  handler(input: RouteInput): Promise<RouteResult>
}

/** A typed helper so route tables get checked without repeating the type. */
export function defineRoutes(routes: readonly Route[]): readonly Route[] {
  return routes
}
