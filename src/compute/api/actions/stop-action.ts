/** @module compute/api/actions/stop-action: `os-stop` */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const stopAction: ServerAction = {
  key: 'os-stop',
  policy: rule('servers:stop'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await powerServer(ctx, caller, uuid, 'stop')
    return accepted
  },
}
