/** @module compute/api/route-kit: what every compute handler does the same way */
import type { RouteInput } from '../../core/http/index.js'
import type { Caller } from '../service/context.js'

/** The caller as use cases need it. */
export function callerOf(input: RouteInput): Caller {
  return {
    requestId: input.context.requestId,
    userId: input.context.identity?.userId ?? '',
    projectId: input.context.identity?.projectId ?? '',
    isAdmin: input.allowed('context_is_admin', {}),
  }
}

/** The public base URL of the compute API as the client reached it. */
export function baseUrl(input: RouteInput): string {
  const proto = String(input.headers['x-forwarded-proto'] ?? 'http')
  const host = String(input.headers['x-forwarded-host'] ?? input.headers.host ?? 'localhost')
  return `${proto}://${host}/compute`
}

/** Whether the request's microversion is at least `version`. */
export function atLeast(input: RouteInput, version: string): boolean {
  return input.microversion ? input.microversion.compare(version) >= 0 : false
}

/** The object under `key` of the request body. */
export function member(input: RouteInput, key: string): Record<string, unknown> {
  return ((input.body as Record<string, unknown> | undefined)?.[key] ?? {}) as Record<
    string,
    unknown
  >
}

/** A query value that may have been given several times, as a list. */
export function queryList(input: RouteInput, key: string): string[] | undefined {
  const v = input.query[key]
  if (v === undefined) return undefined
  return (Array.isArray(v) ? v : [v]).map(String)
}

/** A single query value (the last when repeated). */
export function queryOne(input: RouteInput, key: string): string | undefined {
  const list = queryList(input, key)
  return list?.[list.length - 1]
}

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 255 } },
}

/** `2026-01-01T00:00:00.123Z` or `...:00Z` as Nova prints datetimes: `2026-01-01T00:00:00.123000`. */
export function microTime(text: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?$/.exec(text)
  if (!m) return text
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`
}
