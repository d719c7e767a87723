/** @module compute/api/server-schemas: request schemas of the servers resource, as Nova validates */
import type { JsonSchema } from '../../core/http/index.js'

/** Nova's `name`: 1-255 printable characters, no leading or trailing whitespace. */
export const serverName = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^(?!\\s)[\\s\\S]*(?<!\\s)$',
}

const metadata = {
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 255 },
  additionalProperties: { type: 'string', maxLength: 255 },
}

const ipv4 = { type: 'string', format: 'ipv4' }
const ipv6 = { type: 'string', format: 'ipv6' }

const networks = {
  oneOf: [
    {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          uuid: { type: 'string', format: 'uuid' },
          port: { type: ['string', 'null'], format: 'uuid' },
          fixed_ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
          tag: { type: 'string', maxLength: 60 },
        },
      },
    },
    { type: 'string', enum: ['auto', 'none'] },
  ],
}

export const createServerBody: JsonSchema = {
  type: 'object',
  required: ['server'],
  properties: {
    server: {
      type: 'object',
      required: ['name', 'flavorRef'],
      additionalProperties: false,
      properties: {
        name: serverName,
        imageRef: { type: 'string', maxLength: 255 },
        flavorRef: { type: ['string', 'integer'], minLength: 1 },
        adminPass: { type: 'string' },
        metadata,
        networks,
        'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
        accessIPv4: ipv4,
        accessIPv6: ipv6,
        key_name: { type: 'string', minLength: 1, maxLength: 255 },
        user_data: { type: 'string', maxLength: 65535 },
        availability_zone: { type: 'string', minLength: 1, maxLength: 255 },
        block_device_mapping_v2: { type: 'array' },
        block_device_mapping: { type: 'array' },
        security_groups: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string', minLength: 1, maxLength: 255 } },
          },
        },
        min_count: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 },
        max_count: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 },
        return_reservation_id: { type: ['boolean', 'string'] },
        config_drive: { type: ['boolean', 'string'] },
        description: { type: ['string', 'null'], maxLength: 255 },
        tags: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 60 },
          maxItems: 50,
        },
        personality: { type: 'array' },
        hostname: { type: 'string' },
        trusted_image_certificates: { type: ['array', 'null'] },
        host: { type: 'string' },
        hypervisor_hostname: { type: 'string' },
      },
    },
    'os:scheduler_hints': { type: 'object' },
    'OS-SCH-HNT:scheduler_hints': { type: 'object' },
  },
}

export const updateServerBody: JsonSchema = {
  type: 'object',
  required: ['server'],
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: serverName,
        description: { type: ['string', 'null'], maxLength: 255 },
        accessIPv4: { oneOf: [ipv4, { type: 'string', maxLength: 0 }] },
        accessIPv6: { oneOf: [ipv6, { type: 'string', maxLength: 0 }] },
        'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
        hostname: { type: 'string' },
      },
    },
  },
}

export const metadataBody = (key: string): JsonSchema => ({
  type: 'object',
  required: [key],
  additionalProperties: false,
  properties: { [key]: metadata },
})

const isoDate =
  '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$'

export const serverListQuery: JsonSchema = {
  type: 'object',
  properties: {
    limit: { type: 'string', pattern: '^[0-9]+$' },
    'changes-since': { type: 'string', pattern: isoDate },
    'changes-before': { type: 'string', pattern: isoDate },
  },
}
