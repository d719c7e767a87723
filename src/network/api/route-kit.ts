/** @module network/api/route-kit: what every network handler does the same way */
import { BadRequestError, ForbiddenError } from '../../core/errors/index.js'
import type { JsonSchema, RouteInput } from '../../core/http/index.js'
import type { Caller } from '../service/context.js'

/** The caller as use cases need it. */
export function callerOf(input: RouteInput): Caller {
  return {
    projectId: input.context.identity?.projectId ?? '',
    isAdmin: input.allowed('context_is_admin', {}),
  }
}

/** The revision an `If-Match: revision_number=N` header constrains an update to. */
export function ifMatch(input: RouteInput): number | undefined {
  const header = input.headers['if-match']
  const text = Array.isArray(header) ? header[0] : header
  if (!text) return undefined
  const m = /revision_number=(\d+)/.exec(text)
  if (!m) throw new BadRequestError(`If-Match header '${text}' is not revision_number=<n>`)
  return Number(m[1])
}

/** The object under `key` of the request body. */
export function member(input: RouteInput, key: string): Record<string, unknown> {
  return ((input.body as Record<string, unknown> | undefined)?.[key] ?? {}) as Record<
    string,
    unknown
  >
}

/** The project a create is for: the body's `project_id`/`tenant_id` (admin only when foreign). */
export function ownerFor(input: RouteInput, body: Record<string, unknown>, caller: Caller): string {
  const given = (body['project_id'] ?? body['tenant_id']) as string | undefined
  if (given === undefined || given === caller.projectId) return caller.projectId
  if (!caller.isAdmin) {
    throw new ForbiddenError(
      "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges",
    )
  }
  return given
}

/** Keeps the keys of `body` that are defined, renamed by `map` (wire name to domain name). */
export function mapped<T>(
  body: Record<string, unknown>,
  map: Readonly<Record<string, string>>,
): Partial<T> {
  const out: Partial<T> = {}
  for (const [wire, domain] of Object.entries(map)) {
    if (body[wire] !== undefined) (out as Record<string, unknown>)[domain] = body[wire]
  }
  return out
}

/** Refuses attributes a rule keeps for admins (`create_network:shared`...). */
export function authorizeAttributes(
  input: RouteInput,
  action: string,
  body: Record<string, unknown>,
  attributes: Record<string, string>,
  target: Record<string, unknown>,
): void {
  for (const [wire, rule] of Object.entries(attributes)) {
    if (body[wire] !== undefined) input.authorizeRule(`${action}:${rule}`, target)
  }
}

/** A body schema: `{key: {...}}`, or `{plural: [{...}]}` when bulk is allowed. */
export function resourceBody(
  key: string,
  properties: Record<string, JsonSchema>,
  options: { required?: string[]; plural?: string } = {},
): JsonSchema {
  const item = {
    type: 'object',
    properties,
    ...(options.required ? { required: options.required } : {}),
  }
  const single = { type: 'object', required: [key], properties: { [key]: item } }
  if (!options.plural) return single
  return {
    oneOf: [
      single,
      {
        type: 'object',
        required: [options.plural],
        properties: { [options.plural]: { type: 'array', minItems: 1, items: item } },
      },
    ],
  }
}

export const str = { type: 'string', maxLength: 255 }
export const nullableStr = { type: ['string', 'null'], maxLength: 255 }
export const bool = { type: 'boolean' }
export const int = { type: 'integer' }
export const uuidish = { type: 'string', maxLength: 64 }
export const strList = { type: 'array', items: { type: 'string' } }
export const routeList = {
  type: ['array', 'null'],
  items: {
    type: 'object',
    required: ['destination', 'nexthop'],
    properties: { destination: { type: 'string' }, nexthop: { type: 'string' } },
  },
}
export const fixedIpList = {
  type: 'array',
  items: { type: 'object', properties: { subnet_id: uuidish, ip_address: str } },
}
export const idParams = { type: 'object', properties: { id: uuidish } }
