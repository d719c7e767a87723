/** @module compute/api/actions/start-action: `os-start` */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const startAction: ServerAction = {
  key: 'os-start',
  policy: rule('servers:start'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await powerServer(ctx, caller, uuid, 'start')
    return accepted
  },
}
