/** @module compute/api/actions/reboot-action: `reboot` (SOFT or HARD) */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, type ServerAction } from './server-action.js'

export const rebootAction: ServerAction = {
  key: 'reboot',
  policy: rule('servers:reboot'),
  schema: {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties: {
      type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] },
    },
  },
  async run(ctx, caller, uuid, value) {
    const type = String((value as { type: string }).type).toLowerCase()
    await powerServer(ctx, caller, uuid, type === 'hard' ? 'reboot-hard' : 'reboot-soft')
    return accepted
  },
}
