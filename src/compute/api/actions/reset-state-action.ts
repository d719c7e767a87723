/** @module compute/api/actions/reset-state-action: `os-resetState` (admin) */
import { resetServerState } from '../../service/server-admin.js'
import { rule } from '../policy.js'
import { accepted, type ServerAction } from './server-action.js'

export const resetStateAction: ServerAction = {
  key: 'os-resetState',
  policy: rule('os-admin-actions:reset_state'),
  schema: {
    type: 'object',
    required: ['state'],
    properties: { state: { type: 'string', enum: ['active', 'error'] } },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value) {
    await resetServerState(ctx, caller, uuid, (value as { state: 'active' | 'error' }).state)
    return accepted
  },
}
