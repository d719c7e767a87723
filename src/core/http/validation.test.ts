/** @module core/http/validation.test */
import { describe, expect, it } from 'vitest'
import { BadRequestError } from '../errors/index.js'
import { compileValidator, validationError, type HttpPart } from './validation.js'

const userBody = {
  type: 'object',
  required: ['user'],
  properties: {
    user: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        enabled: { type: 'boolean' },
        interface: { type: 'string', enum: ['public', 'internal'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
    },
  },
}

/** The message a value gets against a schema, or undefined when it is valid. */
function messageFor(schema: object, value: unknown, part: HttpPart = 'body'): string | undefined {
  const validate = compileValidator(schema, part)
  if (validate(value)) return undefined
  const error = validationError(validate.errors ?? [], part)
  expect(error).toBeInstanceOf(BadRequestError)
  expect(error.status).toBe(400)
  return error.message
}

describe('body validation', () => {
  it('accepts a valid body', () => {
    expect(messageFor(userBody, { user: { name: 'alice', enabled: true } })).toBeUndefined()
  })

  it('names a missing top-level field', () => {
    expect(messageFor(userBody, {})).toBe(
      "Invalid input for field 'user': 'user' is a required property.",
    )
  })

  it('names a missing nested field with its dotted path', () => {
    expect(messageFor(userBody, { user: {} })).toBe(
      "Invalid input for field 'user.name': 'name' is a required property.",
    )
  })

  it('names a field of the wrong type and does not coerce it', () => {
    expect(messageFor(userBody, { user: { name: 'a', enabled: 'true' } })).toBe(
      "Invalid input for field 'user.enabled': is not of type 'boolean'.",
    )
    expect(messageFor(userBody, { user: { name: 5 } })).toBe(
      "Invalid input for field 'user.name': is not of type 'string'.",
    )
  })

  it('names an unexpected field', () => {
    expect(messageFor(userBody, { user: { name: 'a', colour: 'red' } })).toBe(
      "Invalid input for field 'user.colour': Additional properties are not allowed ('colour' was unexpected).",
    )
  })

  it('lists the allowed values of an enum', () => {
    expect(messageFor(userBody, { user: { name: 'a', interface: 'admin' } })).toBe(
      'Invalid input for field \'user.interface\': is not one of ["public","internal"].',
    )
  })

  it('names an array element by its index', () => {
    expect(messageFor(userBody, { user: { name: 'a', tags: ['ok', 7] } })).toBe(
      "Invalid input for field 'user.tags.1': is not of type 'string'.",
    )
  })

  it('falls back to the validator message for other keywords', () => {
    expect(messageFor(userBody, { user: { name: '' } })).toBe(
      "Invalid input for field 'user.name': must NOT have fewer than 1 characters.",
    )
  })

  it('says the whole input is wrong when the body is not an object', () => {
    expect(messageFor(userBody, ['user'])).toBe("Invalid input: is not of type 'object'.")
    expect(messageFor(userBody, null)).toBe("Invalid input: is not of type 'object'.")
  })

  it('checks formats', () => {
    const schema = { type: 'object', properties: { url: { type: 'string', format: 'uri' } } }
    expect(messageFor(schema, { url: 'http://example.com/v3' })).toBeUndefined()
    expect(messageFor(schema, { url: 'not a uri' })).toMatch(/field 'url'.*format "uri"/)
  })
})

describe('query and path validation', () => {
  const query = {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1 },
      enabled: { type: 'boolean' },
      sort: { type: 'string', default: 'name' },
    },
  }

  it('coerces query strings to the declared types and fills defaults', () => {
    const validate = compileValidator(query, 'querystring')
    const value: Record<string, unknown> = { limit: '10', enabled: 'false' }
    expect(validate(value)).toBe(true)
    expect(value).toEqual({ limit: 10, enabled: false, sort: 'name' })
  })

  it('says the field is in the query', () => {
    expect(messageFor(query, { limit: 'many' }, 'querystring')).toBe(
      "Invalid input for field 'limit' in query: is not of type 'integer'.",
    )
  })

  it('says the field is in the path', () => {
    const params = { type: 'object', properties: { id: { type: 'string', maxLength: 4 } } }
    expect(messageFor(params, { id: 'too-long' }, 'params')).toBe(
      "Invalid input for field 'id' in params: must NOT have more than 4 characters.",
    )
  })
})

describe('validationError', () => {
  it('gives a generic 400 when the validator reported nothing', () => {
    const error = validationError([], 'body')
    expect(error.status).toBe(400)
    expect(error.message).toBe('Invalid input.')
  })
})
