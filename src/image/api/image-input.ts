/** @module image/api/image-input: request bodies and queries into the service's inputs */
import {
  ImageMediaTypeError,
  ImageReadOnlyAttributeError,
  ImageReservedAttributeError,
  ImageValidationError,
} from '../errors.js'
import {
  CONTAINER_FORMATS,
  DISK_FORMATS,
  isVisibility,
  isWritableAttribute,
  READ_ONLY_ATTRIBUTES,
  RESERVED_ATTRIBUTES,
} from '../service/image-attributes.js'
import { checkProperty, validTags, type PatchOperation } from '../service/image-patch.js'
import type { ImageCreateInput } from '../service/images.js'

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/

function schemaError(why: string): ImageValidationError {
  return new ImageValidationError(`Provided object does not match schema 'image': ${why}`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optionalEnum(
  body: Record<string, unknown>,
  key: string,
  allowed: readonly string[],
): string | null | undefined {
  const value = body[key]
  if (value === undefined || value === null) return value
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw schemaError(`'${String(value)}' is not one of ${JSON.stringify(allowed)} (${key})`)
  }
  return value
}

function optionalInt(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw schemaError(`${JSON.stringify(value)} is not a valid ${key}`)
  }
  return value
}

function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean')
    throw schemaError(`${JSON.stringify(value)} is not of type 'boolean' (${key})`)
  return value
}

function optionalName(body: Record<string, unknown>, key: string): string | null | undefined {
  const value = body[key]
  if (value === undefined || value === null) return value
  if (typeof value !== 'string' || value.length > 255) {
    throw schemaError(`${key} must be a string of at most 255 characters`)
  }
  return value
}

/** Checks a `POST /v2/images` body as Glance does: 403 for server-owned attributes, 400 else. */
export function imageCreateInput(body: unknown): ImageCreateInput {
  if (!isObject(body)) throw new ImageValidationError('Request body must be a JSON object.')
  const properties: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) {
    if (READ_ONLY_ATTRIBUTES.has(key)) throw new ImageReadOnlyAttributeError(key)
    if (RESERVED_ATTRIBUTES.has(key)) throw new ImageReservedAttributeError(key)
    if (key === 'id' || isWritableAttribute(key)) continue
    properties[key] = checkProperty(key, value)
  }
  const id = body['id']
  if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) {
    throw schemaError(`${JSON.stringify(id)} is not a valid UUID (id)`)
  }
  const visibility = body['visibility']
  if (visibility !== undefined && !isVisibility(visibility)) {
    throw schemaError(`'${String(visibility)}' is not one of public, private, shared, community`)
  }
  const input: ImageCreateInput = { properties }
  const set = <K extends keyof ImageCreateInput>(
    key: K,
    value: ImageCreateInput[K] | undefined,
  ) => {
    if (value !== undefined) input[key] = value
  }
  set('id', id as string | undefined)
  set('name', optionalName(body, 'name'))
  set('diskFormat', optionalEnum(body, 'disk_format', DISK_FORMATS))
  set('containerFormat', optionalEnum(body, 'container_format', CONTAINER_FORMATS))
  set('minDisk', optionalInt(body, 'min_disk'))
  set('minRam', optionalInt(body, 'min_ram'))
  set('protected', optionalBool(body, 'protected'))
  set('osHidden', optionalBool(body, 'os_hidden'))
  set('visibility', visibility)
  set('owner', optionalName(body, 'owner'))
  if (body['tags'] !== undefined) input.tags = validTags(body['tags'])
  return input
}

const PATCH_MEDIA = /^application\/openstack-images-v2\.[01]-json-patch\s*(;.*)?$/i

/** Refuses a PATCH whose media type is not Glance's JSON Patch one. */
export function requirePatchMediaType(contentType: string | undefined): void {
  if (!contentType || !PATCH_MEDIA.test(contentType)) {
    throw new ImageMediaTypeError(
      `Unsupported Content-Type ${contentType ?? '(none)'}: use ` +
        'application/openstack-images-v2.1-json-patch.',
    )
  }
}

/** Refuses a body whose media type is not `want`. */
export function requireMediaType(contentType: string | undefined, want: string): void {
  const type = contentType?.split(';')[0]?.trim().toLowerCase()
  if (type !== want) {
    throw new ImageMediaTypeError(
      `Unsupported Content-Type ${contentType ?? '(none)'}: use ${want}.`,
    )
  }
}

function decodePointer(path: unknown): string[] {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ImageValidationError(`Pointer \`${String(path)}\` does not start with "/".`)
  }
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
}

const OPS = ['add', 'replace', 'remove'] as const

/**
 * Parses a JSON Patch in either Glance media type: v2.1 (`{"op", "path", "value"}`) or the
 * v2.0 draft (`{"replace": "/name", "value"}`).
 */
export function parsePatch(body: unknown): PatchOperation[] {
  if (!Array.isArray(body)) {
    throw new ImageValidationError('Request body must be a JSON array of operation objects.')
  }
  return body.map((raw): PatchOperation => {
    if (!isObject(raw)) throw new ImageValidationError('Operations must be JSON objects.')
    let op: unknown = raw['op']
    let path: unknown = raw['path']
    if (op === undefined) {
      const keys = OPS.filter((name) => raw[name] !== undefined)
      if (keys.length !== 1) {
        throw new ImageValidationError(
          'Operation objects must contain exactly one of add, replace, remove.',
        )
      }
      op = keys[0]
      path = raw[keys[0] as string]
    }
    if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
      throw new ImageValidationError(
        `Invalid operation: \`${String(op)}\`. It must be one of add, replace, remove.`,
      )
    }
    const operation = op as PatchOperation['op']
    if (operation !== 'remove' && !Object.hasOwn(raw, 'value')) {
      throw new ImageValidationError(`Operation "${operation}" requires a member named "value".`)
    }
    return { op: operation, path: decodePointer(path), value: raw['value'] }
  })
}

/** Refuses a member id that is not a plausible project id. */
export function checkMemberId(member: unknown): string {
  if (typeof member !== 'string' || member === '' || member.length > 255) {
    throw new ImageValidationError('member must be a project id of 1 to 255 characters.')
  }
  return member
}
