/** @module compute/api/block-device-input: `block_device_mapping_v2` and the legacy `block_device_mapping` of a create */
import { BadRequestError } from '../../core/errors/index.js'
import type { RouteInput } from '../../core/http/index.js'
import { BDM_DESTINATION_TYPES, BDM_SOURCE_TYPES } from '../model/block-device.js'
import type { BlockDeviceRequest } from '../service/boot-volumes.js'
import { atLeast } from './route-kit.js'

type Body = Record<string, unknown>

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

function bad(field: string, value: unknown, why: string): BadRequestError {
  return new BadRequestError(
    `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`,
  )
}

/** Nova accepts booleans and their strings ('True', 'false', '1'...). */
function bool(field: string, value: unknown): boolean {
  if (value === undefined || value === null) return false
  if (typeof value === 'boolean') return value
  const text = String(value).toLowerCase()
  if (['true', '1', 't', 'yes', 'y', 'on'].includes(text)) return true
  if (['false', '0', 'f', 'no', 'n', 'off'].includes(text)) return false
  throw bad(field, value, `'${String(value)}' is not a valid boolean`)
}

function integer(field: string, value: unknown, min: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < min) throw bad(field, value, `must be an integer >= ${min}`)
  return n
}

function uuidOf(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !UUID.test(value)) throw bad(field, value, 'is not a uuid')
  return value
}

function one(input: RouteInput, m: Body): BlockDeviceRequest {
  const field = 'block_device_mapping_v2'
  const known = new Set([
    'source_type',
    'destination_type',
    'uuid',
    'boot_index',
    'volume_size',
    'delete_on_termination',
    'device_name',
    'tag',
    'volume_type',
    'disk_bus',
    'device_type',
    'guest_format',
    'no_device',
    'volume_id',
    'snapshot_id',
    'image_id',
  ])
  for (const key of Object.keys(m)) {
    if (!known.has(key))
      throw bad(field, m, `Additional properties are not allowed ('${key}' was unexpected)`)
  }
  if (
    m['tag'] !== undefined &&
    !atLeast(input, '2.42') &&
    !(atLeast(input, '2.32') && !atLeast(input, '2.33'))
  ) {
    throw bad(field, m, "Additional properties are not allowed ('tag' was unexpected)")
  }
  if (m['volume_type'] !== undefined && !atLeast(input, '2.67')) {
    throw bad(field, m, "Additional properties are not allowed ('volume_type' was unexpected)")
  }
  const source = m['source_type'] ?? (m['uuid'] ? 'volume' : 'blank')
  if (!(BDM_SOURCE_TYPES as readonly unknown[]).includes(source)) {
    throw bad(
      `${field}/source_type`,
      source,
      `'${String(source)}' is not one of ${BDM_SOURCE_TYPES.join(', ')}`,
    )
  }
  const destination =
    m['destination_type'] ?? (source === 'blank' || source === 'image' ? 'local' : 'volume')
  if (!(BDM_DESTINATION_TYPES as readonly unknown[]).includes(destination)) {
    throw bad(
      `${field}/destination_type`,
      destination,
      `'${String(destination)}' is not one of local, volume`,
    )
  }
  const bootIndex =
    m['boot_index'] === 'none' ? undefined : integer(`${field}/boot_index`, m['boot_index'], -1)
  const size = integer(`${field}/volume_size`, m['volume_size'], 0)
  const uuid = uuidOf(`${field}/uuid`, m['uuid'])
  return {
    sourceType: source as BlockDeviceRequest['sourceType'],
    destinationType: destination as BlockDeviceRequest['destinationType'],
    bootIndex: bootIndex === undefined || bootIndex < 0 ? null : bootIndex,
    deleteOnTermination: bool(`${field}/delete_on_termination`, m['delete_on_termination']),
    ...(uuid ? { uuid } : {}),
    ...(size ? { volumeSize: size } : {}),
    ...(typeof m['device_name'] === 'string' && m['device_name']
      ? { deviceName: m['device_name'] }
      : {}),
    ...(typeof m['tag'] === 'string' ? { tag: m['tag'] } : {}),
    ...(typeof m['volume_type'] === 'string' ? { volumeType: m['volume_type'] } : {}),
    ...(typeof m['guest_format'] === 'string' && m['guest_format']
      ? { guestFormat: m['guest_format'] }
      : {}),
  }
}

/** The legacy mapping (`volume_id` or `snapshot_id` at a device name), as a v2 one. */
function legacy(m: Body, noImage: boolean): BlockDeviceRequest {
  const field = 'block_device_mapping'
  const volume = uuidOf(`${field}/volume_id`, m['volume_id'])
  const snapshot = uuidOf(`${field}/snapshot_id`, m['snapshot_id'])
  const device = typeof m['device_name'] === 'string' ? m['device_name'] : undefined
  if (!device) throw bad(field, m, "'device_name' is a required property")
  const root = noImage && /^(\/dev\/)?[a-z]*da$/.test(device)
  const size = integer(`${field}/volume_size`, m['volume_size'], 0)
  const uuid = volume ?? snapshot
  return {
    sourceType: volume ? 'volume' : snapshot ? 'snapshot' : 'blank',
    destinationType: 'volume',
    bootIndex: root ? 0 : null,
    deleteOnTermination: bool(`${field}/delete_on_termination`, m['delete_on_termination']),
    deviceName: device.startsWith('/dev/') ? device : `/dev/${device}`,
    ...(uuid ? { uuid } : {}),
    ...(size ? { volumeSize: size } : {}),
  }
}

/** The create's mappings; both lists at once are refused, as Nova does. */
export function blockDevicesInput(input: RouteInput, s: Body): BlockDeviceRequest[] | undefined {
  const v2 = s['block_device_mapping_v2']
  const v1 = s['block_device_mapping']
  if (v2 !== undefined && v1 !== undefined) {
    throw new BadRequestError(
      'Using different block_device_mapping syntaxes is not allowed in the same request.',
    )
  }
  const list = v2 ?? v1
  if (list === undefined) return undefined
  if (!Array.isArray(list))
    throw bad(v2 ? 'block_device_mapping_v2' : 'block_device_mapping', list, 'is not of type array')
  const noImage = s['imageRef'] === undefined || s['imageRef'] === ''
  return (list as unknown[]).map((m) => {
    if (typeof m !== 'object' || m === null)
      throw bad('block_device_mapping_v2', m, 'is not of type object')
    return v2 !== undefined ? one(input, m as Body) : legacy(m as Body, noImage)
  })
}
