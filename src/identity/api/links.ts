/** @module identity/api/links: absolute links the way Keystone builds them from the request */
import type { RouteInput } from '../../core/http/index.js'

/** The `.../v3` base URL the client used (`/v3` or `/identity/v3`). */
export function baseUrl(input: Pick<RouteInput, 'raw'>): string {
  const request = input.raw
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? 'localhost'
  const proto = request.headers['x-forwarded-proto'] ?? request.protocol
  const prefix = request.url.startsWith('/identity/') ? '/identity/v3' : '/v3'
  return `${String(proto)}://${String(host)}${prefix}`
}

/** The request URL without its query, as `links.self` of a list. */
export function selfUrl(input: Pick<RouteInput, 'raw'>): string {
  const request = input.raw
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? 'localhost'
  const proto = request.headers['x-forwarded-proto'] ?? request.protocol
  return `${String(proto)}://${String(host)}${request.url.split('?')[0]}`
}

/** `{ links: { self, previous: null, next: null } }` for a list response. */
export function listLinks(input: Pick<RouteInput, 'raw'>): {
  self: string
  previous: null
  next: null
} {
  return { self: selfUrl(input), previous: null, next: null }
}
