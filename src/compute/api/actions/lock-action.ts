/** @module compute/api/actions/lock-action: `lock`, with `locked_reason` from 2.73 */
import { BadRequestError } from '../../../core/errors/index.js'
import { lockServer } from '../../service/server-lock.js'
import { rule } from '../policy.js'
import { atLeast } from '../route-kit.js'
import { accepted, type ServerAction } from './server-action.js'

export const lockAction: ServerAction = {
  key: 'lock',
  policy: rule('os-lock-server:lock'),
  schema: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { locked_reason: { type: 'string', maxLength: 255 } },
  },
  async run(ctx, caller, uuid, value, input) {
    const reason = (value as { locked_reason?: string } | null)?.locked_reason
    if (reason !== undefined && !atLeast(input, '2.73')) {
      throw new BadRequestError('locked_reason requires microversion 2.73')
    }
    await lockServer(ctx, caller, uuid, reason ?? null)
    return accepted
  },
}
