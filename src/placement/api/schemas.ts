/** @module placement/api/schemas: request schemas of the Placement API */
import { BadRequestError } from '../../core/errors/index.js'
import type { JsonSchema } from '../../core/http/index.js'

export const uuidParams: JsonSchema = {
  type: 'object',
  properties: { uuid: { type: 'string', maxLength: 64 } },
}

export const providerBody: JsonSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    uuid: { type: 'string', maxLength: 64 },
    parent_provider_uuid: { type: ['string', 'null'], maxLength: 64 },
  },
}

const inventory = {
  type: 'object',
  required: ['total'],
  properties: {
    total: { type: 'integer', minimum: 1 },
    reserved: { type: 'integer', minimum: 0 },
    min_unit: { type: 'integer', minimum: 1 },
    max_unit: { type: 'integer', minimum: 1 },
    step_size: { type: 'integer', minimum: 1 },
    allocation_ratio: { type: 'number', exclusiveMinimum: 0 },
  },
}

export const inventoriesBody: JsonSchema = {
  type: 'object',
  required: ['resource_provider_generation', 'inventories'],
  properties: {
    resource_provider_generation: { type: 'integer' },
    inventories: { type: 'object', additionalProperties: inventory },
  },
}

export const allocationsBody: JsonSchema = {
  type: 'object',
  required: ['allocations'],
  properties: {
    allocations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['resources'],
        properties: {
          resources: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
        },
      },
    },
    project_id: { type: 'string' },
    user_id: { type: 'string' },
    consumer_generation: { type: ['integer', 'null'] },
  },
}

/** Parses `VCPU:1,MEMORY_MB:512`. */
export function parseResources(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const part of text.split(',').filter((p) => p !== '')) {
    const m = /^([A-Z0-9_]+):(\d+)$/.exec(part.trim())
    if (!m) throw new BadRequestError(`Badly formed resources parameter. Got ${part}`)
    out[m[1] as string] = Number(m[2])
  }
  return out
}
