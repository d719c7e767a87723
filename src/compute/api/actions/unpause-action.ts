/** @module compute/api/actions/unpause-action: `unpause` */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const unpauseAction: ServerAction = {
  key: 'unpause',
  policy: rule('os-pause-server:unpause'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await powerServer(ctx, caller, uuid, 'unpause')
    return accepted
  },
}
