/** @module image/service/image-patch: applies a JSON Patch to an image under Glance's rules */
import { setImageTags, updateImage, type Image, type ImageChanges } from '../db/images-repo.js'
import {
  ImageForbiddenError,
  ImagePropertyMissingError,
  ImageReadOnlyAttributeError,
  ImageReservedAttributeError,
  ImageValidationError,
} from '../errors.js'
import { timestamp, type ImageCaller, type ImageContext } from './context.js'
import { ownedImage } from './image-access.js'
import {
  CONTAINER_FORMATS,
  DISK_FORMATS,
  isReservedProperty,
  isVisibility,
  isWritableAttribute,
  MAX_PROPERTY_KEY,
  MAX_PROPERTY_VALUE,
  MAX_TAG,
  READ_ONLY_ATTRIBUTES,
  type WritableAttribute,
} from './image-attributes.js'
import { checkOwnerChange, checkVisibilityChange } from './images.js'
import { checkPropertyCount, checkTagCount } from './quotas.js'

/** One operation, with its JSON pointer already split and unescaped. */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove'
  path: readonly string[]
  value?: unknown
}

const MAX_INT = 2 ** 31 - 1

function invalid(name: string, why: string): ImageValidationError {
  return new ImageValidationError(`Invalid value for '${name}': ${why}.`)
}

function nullableEnum(name: string, value: unknown, allowed: readonly string[]): string | null {
  if (value === null) return null
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(name, `must be one of ${allowed.join(', ')}`)
  }
  return value
}

function nullableString(name: string, value: unknown, max: number): string | null {
  if (value === null) return null
  if (typeof value !== 'string' || value.length > max) {
    throw invalid(name, `must be a string of at most ${max} characters or null`)
  }
  return value
}

function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(name, 'must be a boolean')
  return value
}

function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT) {
    throw invalid(name, 'must be an integer between 0 and 2147483647')
  }
  return value
}

/** Checks a list of tags, returning it without duplicates. */
export function validTags(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid('tags', 'must be an array of strings')
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.length > MAX_TAG) {
      throw invalid('tags', `each tag must be a string of at most ${MAX_TAG} characters`)
    }
  }
  return [...new Set(value as string[])]
}

/** Checks an extra property's name and value. */
export function checkProperty(name: string, value: unknown): string {
  if (READ_ONLY_ATTRIBUTES.has(name) || name === 'id') throw new ImageReadOnlyAttributeError(name)
  if (isReservedProperty(name)) throw new ImageReservedAttributeError(name)
  if (name.length === 0 || name.length > MAX_PROPERTY_KEY) {
    throw new ImageValidationError(
      `Property names must be 1 to ${MAX_PROPERTY_KEY} characters long.`,
    )
  }
  if (typeof value !== 'string') throw invalid(name, 'additional properties must be strings')
  if (value.length > MAX_PROPERTY_VALUE) {
    throw invalid(name, `must be at most ${MAX_PROPERTY_VALUE} characters`)
  }
  return value
}

interface Draft {
  image: Image
  changes: ImageChanges
  properties: Record<string, string>
  tags: string[] | undefined
}

function setCore(draft: Draft, caller: ImageCaller, name: WritableAttribute, value: unknown): void {
  const { changes, image } = draft
  switch (name) {
    case 'name':
      changes.name = nullableString(name, value, 255)
      return
    case 'visibility':
      if (!isVisibility(value)) throw invalid(name, 'must be public, private, shared or community')
      if (value !== image.visibility) checkVisibilityChange(caller, value)
      changes.visibility = value
      return
    case 'protected':
      changes.protected = boolean(name, value)
      return
    case 'os_hidden':
      changes.osHidden = boolean(name, value)
      return
    case 'min_disk':
      changes.minDisk = count(name, value)
      return
    case 'min_ram':
      changes.minRam = count(name, value)
      return
    case 'disk_format':
    case 'container_format': {
      const allowed = name === 'disk_format' ? DISK_FORMATS : CONTAINER_FORMATS
      const format = nullableEnum(name, value, allowed)
      const current = name === 'disk_format' ? image.diskFormat : image.containerFormat
      if (format !== current && image.status !== 'queued') {
        throw new ImageForbiddenError(`Attribute ${name} can be only replaced for a queued image.`)
      }
      if (name === 'disk_format') changes.diskFormat = format
      else changes.containerFormat = format
      return
    }
    case 'owner': {
      const owner = nullableString(name, value, 255)
      if (owner !== image.owner) checkOwnerChange(caller, owner)
      changes.owner = owner
      return
    }
    case 'tags':
      draft.tags = validTags(value)
      return
  }
}

function apply(draft: Draft, caller: ImageCaller, operation: PatchOperation): void {
  const [name, ...rest] = operation.path
  if (name === undefined || rest.length > 0) {
    throw new ImageValidationError(
      `Invalid JSON pointer for this resource: '/${operation.path.join('/')}'`,
    )
  }
  if (READ_ONLY_ATTRIBUTES.has(name) || name === 'id') throw new ImageReadOnlyAttributeError(name)
  if (isWritableAttribute(name)) {
    if (operation.op === 'remove') {
      throw new ImageForbiddenError(`Attribute '${name}' cannot be removed.`)
    }
    setCore(draft, caller, name, operation.value)
    return
  }
  if (operation.op === 'remove') {
    if (isReservedProperty(name)) throw new ImageReservedAttributeError(name)
    if (!Object.hasOwn(draft.properties, name)) throw new ImagePropertyMissingError(name)
    delete draft.properties[name]
    return
  }
  const value = checkProperty(name, operation.value)
  if (operation.op === 'replace' && !Object.hasOwn(draft.properties, name)) {
    throw new ImagePropertyMissingError(name)
  }
  draft.properties[name] = value
}

/** Applies every operation or none; resolves the updated image. */
export async function patchImage(
  ctx: ImageContext,
  caller: ImageCaller,
  id: string,
  operations: readonly PatchOperation[],
): Promise<Image> {
  return ctx.db.transaction().execute(async (tx) => {
    const image = await ownedImage({ ...ctx, db: tx }, caller, id, 'modify')
    const draft: Draft = {
      image,
      changes: {},
      properties: { ...image.properties },
      tags: undefined,
    }
    for (const operation of operations) apply(draft, caller, operation)
    checkPropertyCount(ctx, Object.keys(draft.properties).length)
    if (draft.tags) checkTagCount(ctx, draft.tags.length)
    const changes: ImageChanges = {
      ...draft.changes,
      properties: draft.properties,
      updatedAt: timestamp(ctx),
    }
    await updateImage(tx, id, changes)
    if (draft.tags) await setImageTags(tx, id, draft.tags)
    const { updatedAt, ...rest } = changes
    return {
      ...image,
      ...rest,
      updatedAt: updatedAt ?? image.updatedAt,
      tags: draft.tags ?? image.tags,
    }
  })
}
