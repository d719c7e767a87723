/** @module compute/api/action-routes: POST /servers/{id}/action, dispatched on the body's key */
import type { ValidateFunction } from 'ajv'
import { BadRequestError } from '../../core/errors/index.js'
import { compileValidator, validationError, type Route } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { showServer } from '../service/server-list.js'
import { serverActions } from './actions/action-table.js'
import { callerOf, idParams } from './route-kit.js'

const validators = new Map<string, ValidateFunction>(
  [...serverActions.values()].map((a) => [a.key, compileValidator(a.schema, 'body')]),
)

export function actionRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2.1/servers/:id/action',
      policy: 'os_compute_api:servers:action',
      schema: { params: idParams, body: { type: 'object', minProperties: 1, maxProperties: 1 } },
      errors: [404, 409],
      handler: async (input) => {
        const [key, value] = Object.entries(input.body as Record<string, unknown>)[0] ?? []
        const action = key === undefined ? undefined : serverActions.get(key)
        const inRange =
          action?.microversion === undefined ||
          input.microversion?.matches(action.microversion.min, action.microversion.max) !== false
        if (!action || !inRange) throw new BadRequestError(`There is no such action: ${key}`)
        const validator = validators.get(action.key)
        if (validator && !validator(value)) throw validationError(validator.errors ?? [], 'body')
        const caller = callerOf(input)
        const uuid = input.params['id'] ?? ''
        const { instance } = await showServer(ctx, caller, uuid)
        input.authorizeRule(action.policy, { project_id: instance.projectId })
        return action.run(ctx, caller, uuid, value, input)
      },
    },
  ]
}
