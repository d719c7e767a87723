/** @module compute/api/actions/pause-action: `pause` */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const pauseAction: ServerAction = {
  key: 'pause',
  policy: rule('os-pause-server:pause'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await powerServer(ctx, caller, uuid, 'pause')
    return accepted
  },
}
