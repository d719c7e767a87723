/** @module core/http/validation: JSON schema validation with errors that name the field */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { BadRequestError } from '../errors/index.js'

type AddFormats = (ajv: Ajv) => Ajv
const addFormats = addFormatsModule as unknown as AddFormats

/** Bodies are validated strictly: no type coercion, unknown fields fail where schemas say so. */
const bodyAjv = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false }))
/** Query strings and path params arrive as strings and are coerced. */
const queryAjv = addFormats(
  new Ajv({ allErrors: false, strict: false, coerceTypes: 'array', useDefaults: true }),
)

/** Which part of a request a schema applies to. */
export type HttpPart = 'body' | 'querystring' | 'params' | 'headers'

/** Compiles a schema for one part of a request. */
export function compileValidator(schema: object, part: HttpPart): ValidateFunction {
  return (part === 'body' ? bodyAjv : queryAjv).compile(schema)
}

function fieldName(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.')
  if (error.keyword === 'required') {
    const missing = String(error.params['missingProperty'] ?? '')
    return path === '' ? missing : `${path}.${missing}`
  }
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params['additionalProperty'] ?? '')
    return path === '' ? extra : `${path}.${extra}`
  }
  return path
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return `'${String(error.params['missingProperty'])}' is a required property`
    case 'additionalProperties':
      return `Additional properties are not allowed ('${String(error.params['additionalProperty'])}' was unexpected)`
    case 'type':
      return `is not of type '${String(error.params['type'])}'`
    case 'enum':
      return `is not one of ${JSON.stringify(error.params['allowedValues'])}`
    default:
      return error.message ?? 'is invalid'
  }
}

/** A 400 naming the first offending field, in the words Keystone and Nova use. */
export function validationError(errors: readonly ErrorObject[], part: HttpPart): BadRequestError {
  const first = errors[0]
  if (first === undefined) return new BadRequestError('Invalid input.')
  const field = fieldName(first)
  const where = part === 'body' ? '' : ` in ${part === 'querystring' ? 'query' : part}`
  const subject =
    field === '' ? `Invalid input${where}` : `Invalid input for field '${field}'${where}`
  return new BadRequestError(`${subject}: ${describe(first)}.`)
}
