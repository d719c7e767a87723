/** @module block-storage/api/encryption-routes: /types/{id}/encryption (admin) */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { VolumeTypeEncryptionNotFoundError } from '../errors.js'
import type { BlockStorageContext } from '../service/context.js'
import {
  createEncryption,
  deleteEncryption,
  isControlLocation,
  showTypeEncryption,
  updateEncryption,
  type EncryptionSpec,
  type TypeEncryption,
} from '../service/type-encryption.js'
import { keyParams, microTime } from './route-kit.js'

const P = '/v3/:project_id/types/:id/encryption'
/** Cinder's DB_MAX_INT, the largest key size a column holds. */
const MAX_KEY_SIZE = 0x7fffffff

function invalid(field: string, value: unknown, why: string): BadRequestError {
  return new BadRequestError(
    `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`,
  )
}

/** `key_size`: an integer (or a string of one) from 0, or null. */
function keySizeOf(value: unknown): number | null {
  if (value === null) return null
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)
        ? Number(value)
        : NaN
  if (!Number.isInteger(n)) throw invalid('key_size', value, 'key_size must be an integer.')
  if (n < 0 || n > MAX_KEY_SIZE)
    throw invalid('key_size', value, `key_size must be from 0 to ${MAX_KEY_SIZE}.`)
  return n
}

function optionalText(e: Record<string, unknown>, key: string, nullable: boolean) {
  const v = e[key]
  if (v === undefined) return undefined
  if (v === null && nullable) return null
  if (typeof v !== 'string' || v.length > 255)
    throw invalid(key, v, `${key} must be a string of at most 255 characters.`)
  return v
}

/**
 * The `encryption` of a create or update body as Cinder's schema reads it: `provider` and
 * `control_location` are required to create; keys it does not know are ignored.
 */
function encryptionOf(input: RouteInput, create: boolean): EncryptionSpec {
  const body = input.body
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError("Invalid input received: 'encryption' is a required property.")
  const extra = Object.keys(body).filter((k) => k !== 'encryption')
  if (extra.length > 0)
    throw new BadRequestError(
      `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} were unexpected)`,
    )
  const e = (body as Record<string, unknown>)['encryption']
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    throw invalid('encryption', e, "'encryption' must be an object.")
  const given = e as Record<string, unknown>
  if (create)
    for (const key of ['provider', 'control_location'])
      if (given[key] === undefined)
        throw invalid('encryption', e, `'${key}' is a required property`)
  const location = given['control_location']
  if (location !== undefined && !isControlLocation(location))
    throw invalid('control_location', location, "It is not one of ['front-end', 'back-end']")
  const provider = optionalText(given, 'provider', false)
  const cipher = optionalText(given, 'cipher', true)
  return {
    ...(provider !== undefined && provider !== null ? { provider } : {}),
    ...(cipher !== undefined ? { cipher } : {}),
    ...(given['key_size'] !== undefined ? { keySize: keySizeOf(given['key_size']) } : {}),
    ...(location !== undefined && isControlLocation(location) ? { controlLocation: location } : {}),
  }
}

/** The fields that were given, on the wire. */
function specView(spec: EncryptionSpec): Record<string, unknown> {
  return {
    ...(spec.provider !== undefined ? { provider: spec.provider } : {}),
    ...(spec.cipher !== undefined ? { cipher: spec.cipher } : {}),
    ...(spec.keySize !== undefined ? { key_size: spec.keySize } : {}),
    ...(spec.controlLocation !== undefined ? { control_location: spec.controlLocation } : {}),
  }
}

/** A stored encryption as Cinder shows its row (never deleted: deleted rows are removed). */
function encryptionView(e: TypeEncryption): Record<string, unknown> {
  return {
    volume_type_id: e.volumeTypeId,
    encryption_id: e.encryptionId,
    provider: e.provider,
    cipher: e.cipher,
    key_size: e.keySize,
    control_location: e.controlLocation,
    deleted: false,
    created_at: microTime(e.createdAt),
    updated_at: microTime(e.updatedAt),
    deleted_at: null,
  }
}

export function encryptionRoutes(ctx: BlockStorageContext): Route[] {
  const typeId = (input: RouteInput) => input.params['id'] ?? ''
  return [
    {
      method: 'GET',
      path: P,
      policy: 'volume_extension:volume_type_encryption:get',
      schema: { params: keyParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const e = await showTypeEncryption(ctx, typeId(input))
        return { status: 200, body: e ? encryptionView(e) : {} }
      },
    },
    {
      method: 'GET',
      path: `${P}/:key`,
      policy: 'volume_extension:volume_type_encryption:get',
      schema: { params: keyParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const e = await showTypeEncryption(ctx, typeId(input))
        const view = e ? encryptionView(e) : {}
        if (!(key in view)) throw new VolumeTypeEncryptionNotFoundError(typeId(input))
        return { status: 200, body: { [key]: view[key] } }
      },
    },
    {
      method: 'POST',
      path: P,
      policy: 'volume_extension:volume_type_encryption:create',
      schema: { params: keyParams },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const spec = encryptionOf(input, true)
        const { provider, controlLocation } = spec
        if (provider === undefined || controlLocation === undefined)
          throw new BadRequestError("'provider' and 'control_location' are required properties")
        const e = await createEncryption(ctx, typeId(input), {
          ...spec,
          provider,
          controlLocation,
        })
        return {
          status: 200,
          body: {
            encryption: {
              ...specView(spec),
              volume_type_id: e.volumeTypeId,
              encryption_id: e.encryptionId,
            },
          },
        }
      },
    },
    {
      method: 'PUT',
      path: `${P}/:key`,
      policy: 'volume_extension:volume_type_encryption:update',
      schema: { params: keyParams },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        const spec = encryptionOf(input, false)
        await updateEncryption(ctx, typeId(input), spec)
        return { status: 200, body: { encryption: specView(spec) } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/:key`,
      policy: 'volume_extension:volume_type_encryption:delete',
      schema: { params: keyParams },
      errors: [400, 404],
      handler: async (input) => {
        input.authorize()
        await deleteEncryption(ctx, typeId(input))
        return { status: 202 }
      },
    },
  ]
}
