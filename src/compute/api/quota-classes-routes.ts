/** @module compute/api/quota-classes-routes: os-quota-class-sets, the `default` class sets project defaults */
import type { Route, RouteInput } from '../../core/http/index.js'
import { COMPUTE_QUOTAS } from '../config.js'
import type { ComputeContext } from '../service/context.js'
import { quotaClass, updateQuotaClass } from '../service/quotas.js'
import { FILE_QUOTAS, LEGACY_QUOTAS } from './limits-routes.js'
import { rule } from './policy.js'
import { atLeast, member } from './route-kit.js'

/** The keys a class set has at the request's microversion (the legacy ones go in 2.50, files in 2.57). */
function keysAt(input: RouteInput): string[] {
  return [
    ...COMPUTE_QUOTAS,
    ...(atLeast(input, '2.50') ? [] : Object.keys(LEGACY_QUOTAS)),
    ...(atLeast(input, '2.57') ? [] : Object.keys(FILE_QUOTAS)),
  ]
}

async function classView(ctx: ComputeContext, input: RouteInput, name: string) {
  const limits: Record<string, number> = {
    ...LEGACY_QUOTAS,
    ...FILE_QUOTAS,
    ...(await quotaClass(ctx, name)),
  }
  return Object.fromEntries(keysAt(input).map((k) => [k, limits[k] ?? -1]))
}

const limit = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1 }
const ALL_KEYS = [...COMPUTE_QUOTAS, ...Object.keys(LEGACY_QUOTAS), ...Object.keys(FILE_QUOTAS)]

const updateBody = {
  type: 'object',
  required: ['quota_class_set'],
  properties: {
    quota_class_set: {
      type: 'object',
      properties: Object.fromEntries(ALL_KEYS.map((k) => [k, limit])),
      additionalProperties: false,
    },
  },
  additionalProperties: false,
}

const classParams = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 255 } },
}

export function quotaClassRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/os-quota-class-sets/:name',
      policy: rule('os-quota-class-sets:show'),
      schema: { params: classParams },
      errors: [],
      handler: async (input) => {
        input.authorize({ quota_class: input.params['name'] })
        const name = input.params['name'] ?? ''
        return {
          status: 200,
          body: { quota_class_set: { id: name, ...(await classView(ctx, input, name)) } },
        }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/os-quota-class-sets/:name',
      policy: rule('os-quota-class-sets:update'),
      schema: { params: classParams, body: updateBody },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const name = input.params['name'] ?? ''
        const allowed = new Set(keysAt(input))
        const values: Record<string, number> = {}
        for (const [k, v] of Object.entries(member(input, 'quota_class_set'))) {
          // keys of another microversion are ignored, as in Nova's schema for each version
          if (allowed.has(k)) values[k] = Number(v)
        }
        await updateQuotaClass(ctx, name, values)
        // the update answers without the id, as Nova does
        return { status: 200, body: { quota_class_set: await classView(ctx, input, name) } }
      },
    },
  ]
}
