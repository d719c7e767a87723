/** @module identity/api/schemas: JSON schema pieces shared by identity routes */
import type { JsonSchema } from '../../core/http/index.js'

export const idString: JsonSchema = { type: 'string', minLength: 1, maxLength: 64 }
export const nameString: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '\\S',
}
/** Project and domain names are at most 64 characters in Keystone. */
export const projectNameString: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '\\S',
}
export const descriptionString: JsonSchema = { type: ['string', 'null'] }
export const boolean: JsonSchema = { type: 'boolean' }
export const tags: JsonSchema = {
  type: 'array',
  maxItems: 80,
  items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^,/]*$' },
  uniqueItems: true,
}

/** A body `{ <key>: {...} }` whose inner object has these properties. */
export function wrapped(key: string, inner: JsonSchema): JsonSchema {
  return { type: 'object', required: [key], properties: { [key]: inner } }
}

/** Path params `{ <names>: string }`. */
export function params(...names: string[]): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((n) => [n, { type: 'string', maxLength: 255 }])),
  }
}

const domainRef: JsonSchema = {
  type: 'object',
  properties: { id: idString, name: nameString },
  additionalProperties: true,
}

const userRef: JsonSchema = {
  type: 'object',
  properties: { id: idString, name: nameString, domain: domainRef, password: { type: 'string' } },
}

/** POST /v3/auth/tokens. */
export const authBody: JsonSchema = {
  type: 'object',
  required: ['auth'],
  properties: {
    auth: {
      type: 'object',
      required: ['identity'],
      properties: {
        identity: {
          type: 'object',
          required: ['methods'],
          properties: {
            methods: { type: 'array', items: { type: 'string' }, minItems: 1 },
            password: {
              type: 'object',
              required: ['user'],
              properties: { user: { ...userRef, required: ['password'] } },
            },
            token: {
              type: 'object',
              required: ['id'],
              properties: { id: { type: 'string', minLength: 1 } },
            },
            application_credential: {
              type: 'object',
              required: ['secret'],
              properties: {
                id: idString,
                name: nameString,
                secret: { type: 'string' },
                user: userRef,
              },
            },
          },
        },
        scope: {
          oneOf: [
            { type: 'string', enum: ['unscoped'] },
            {
              type: 'object',
              properties: {
                project: {
                  type: 'object',
                  properties: { id: idString, name: nameString, domain: domainRef },
                },
                domain: domainRef,
                system: { type: 'object', properties: { all: { type: 'boolean' } } },
                'OS-TRUST:trust': { type: 'object' },
              },
            },
          ],
        },
      },
    },
  },
}
