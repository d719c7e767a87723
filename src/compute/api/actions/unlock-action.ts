/** @module compute/api/actions/unlock-action: `unlock` */
import { unlockServer } from '../../service/server-lock.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const unlockAction: ServerAction = {
  key: 'unlock',
  policy: rule('os-lock-server:unlock'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await unlockServer(ctx, caller, uuid)
    return accepted
  },
}
