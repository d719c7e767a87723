/** @module object-storage/api/swift-request: the proxy's view of an HTTP request */
import type { Readable } from 'node:stream'
import type { RouteInput } from '../../core/http/index.js'
import { SwiftError } from '../errors.js'
import type { SwiftRequest } from '../proxy/context.js'

function decode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw new SwiftError(412, 'Invalid UTF8 or contains NULL')
  }
}

/** Splits `/<prefix>/v1/account/container/object?query` as sent, keeping slashes in the object. */
export function parseSwiftPath(rawUrl: string): {
  rawPath: string
  fullPath: string
  account: string
  container?: string
  object?: string
  query: Record<string, string>
} {
  const q = rawUrl.indexOf('?')
  const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q)
  const at = pathname.indexOf('/v1/')
  const rawPath = pathname.slice(at)
  const rest = rawPath.slice('/v1/'.length)
  const first = rest.indexOf('/')
  const account = decode(first < 0 ? rest : rest.slice(0, first))
  const afterAccount = first < 0 ? '' : rest.slice(first + 1)
  const second = afterAccount.indexOf('/')
  const container = decode(second < 0 ? afterAccount : afterAccount.slice(0, second))
  const object = second < 0 ? '' : decode(afterAccount.slice(second + 1))
  const query: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1))) {
    query[key] ??= value
  }
  if ([account, container, object].some((p) => p.includes('\0')))
    throw new SwiftError(412, 'Invalid UTF8 or contains NULL')
  return {
    rawPath,
    fullPath: pathname,
    account,
    ...(container !== '' ? { container } : {}),
    ...(container !== '' && object !== '' ? { object } : {}),
    query,
  }
}

/** Builds the proxy request from a route's input. */
export function swiftRequestFrom(input: RouteInput): SwiftRequest {
  const parsed = parseSwiftPath(input.raw.raw.url ?? '')
  const body = input.body as Readable | undefined
  const streaming = body !== undefined && typeof (body as { pipe?: unknown }).pipe === 'function'
  return {
    method: input.raw.method,
    ...parsed,
    headers: input.headers,
    ...(streaming ? { body } : {}),
    ...(input.context.identity ? { identity: input.context.identity } : {}),
    ...(input.context.service ? { service: input.context.service } : {}),
  }
}
