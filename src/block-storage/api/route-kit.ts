/** @module block-storage/api/route-kit: what every block storage handler does the same way */
import type { RouteInput } from '../../core/http/index.js'
import { BadRequestError } from '../../core/errors/index.js'
import type { Caller } from '../service/context.js'

/** The caller as use cases need it; the URL's project must be the token's (or the caller admin). */
export function callerOf(input: RouteInput): Caller {
  const isAdmin = input.allowed('context_is_admin', {})
  const projectId = input.context.identity?.projectId ?? ''
  const inUrl = input.params['project_id']
  if (inUrl !== undefined && inUrl !== projectId && !isAdmin)
    throw new BadRequestError(
      'Malformed request url: the project in the URL is not the token\u2019s.',
    )
  return {
    requestId: input.context.requestId,
    userId: input.context.identity?.userId ?? '',
    projectId,
    isAdmin,
    token: input.context.authToken ?? '',
  }
}

/** The public base URL of the block storage API as the client reached it (`.../volume`). */
export function baseUrl(input: RouteInput): string {
  const proto = String(input.headers['x-forwarded-proto'] ?? 'http')
  const host = String(input.headers['x-forwarded-host'] ?? input.headers.host ?? 'localhost')
  return `${proto}://${host}/volume`
}

/** Whether the request's microversion is at least `version`. */
export function atLeast(input: RouteInput, version: string): boolean {
  return input.microversion ? input.microversion.compare(version) >= 0 : false
}

/** The object under `key` of the request body; 400 when it is missing or not an object. */
export function member(input: RouteInput, key: string): Record<string, unknown> {
  const body = input.body as Record<string, unknown> | null | undefined
  const value = body?.[key]
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError(`Missing required element '${key}' in request body.`)
  return value as Record<string, unknown>
}

/** A single query value (the last when repeated). */
export function queryOne(input: RouteInput, key: string): string | undefined {
  const v = input.query[key]
  if (v === undefined) return undefined
  const list = Array.isArray(v) ? v : [v]
  const last = list[list.length - 1]
  return last === undefined ? undefined : String(last)
}

/** Cinder's lenient booleans (`true`, `True`, `1`, `yes`...). */
export function boolValue(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value
  const text = String(value).trim().toLowerCase()
  if (['true', '1', 't', 'yes', 'y', 'on'].includes(text)) return true
  if (['false', '0', 'f', 'no', 'n', 'off'].includes(text)) return false
  throw new BadRequestError(
    `Invalid input received: ${name} must be a boolean: '${String(value)}'.`,
  )
}

/** An optional string member; 400 when present with another type. */
export function optString(o: Record<string, unknown>, key: string): string | null | undefined {
  const v = o[key]
  if (v === undefined || v === null) return v as undefined | null
  if (typeof v !== 'string')
    throw new BadRequestError(`Invalid input received: ${key} must be a string.`)
  return v
}

/** `?key=...` on a path the route table reaches with `:project_id`. */
export const projectParams = {
  type: 'object',
  properties: {
    project_id: { type: 'string', maxLength: 255 },
    id: { type: 'string', maxLength: 255 },
  },
}

/** The path parameters of a metadata or spec key below a resource (`.../{id}/.../{key}`). */
export const keyParams = {
  type: 'object',
  properties: { ...projectParams.properties, key: { type: 'string', maxLength: 255 } },
}

/** Formats a stored ISO time as Cinder prints it: `2026-01-01T00:00:00.123000`. */
export function microTime(text: string | null): string | null {
  if (text === null) return null
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?$/.exec(text)
  if (!m) return text
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`
}

/**
 * An object of string values as Cinder stores specs (numbers and booleans spelled out), without
 * the keys in `skip`; 400 for anything else. `what` names the values in messages.
 */
export function stringMap(
  value: unknown,
  what: string,
  skip: string[] = [],
): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError(`Invalid input received: ${what} must be an object.`)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (skip.includes(k)) continue
    if (k.length === 0 || k.length > 255)
      throw new BadRequestError(`Invalid input received: ${what} keys are 1 to 255 characters.`)
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new BadRequestError(`Invalid input received: ${what} ${k} must be a string.`)
    out[k] = String(v)
  }
  return out
}
