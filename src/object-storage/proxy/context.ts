/** @module object-storage/proxy/context: what the proxy's use cases are given */
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { AuthIdentity } from '../../core/auth/index.js'
import type { Clock } from '../../core/clock/index.js'
import type { Logger } from '../../core/log/index.js'
import type { ObjectStorageConfig } from '../config.js'
import type { Cluster } from './cluster.js'
import type { ExpiryQueue } from './expiry-queue.js'

/** The proxy's dependencies. */
export interface ProxyContext {
  config: Readonly<ObjectStorageConfig>
  cluster: Cluster
  clock: Clock
  /** A new X-Timestamp, never equal to a previous one. */
  timestamp(): string
  logger: Logger
  expiry: ExpiryQueue
}

/** A request as the proxy sees it, names decoded. */
export interface SwiftRequest {
  method: string
  account: string
  container?: string
  object?: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  body?: Readable
  /** Undefined for anonymous requests. */
  identity?: AuthIdentity
  service?: AuthIdentity
  /** The path as sent, percent-encoded, from `/v1/` (for TempURL signatures). */
  rawPath: string
  /** The path as sent including the listener's prefix (`/object-storage/v1/...`). */
  fullPath?: string
  /** Set once TempURL has authorized the request. */
  tempUrl?: boolean
}

/** What a use case answers. */
export interface SwiftResponse {
  status: number
  headers: Record<string, string>
  body?: string | Buffer
  stream?: Readable
}

/** A header's first value. */
export function header(request: SwiftRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}
