/** @module compute/api/actions/suspend-action: `suspend` */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const suspendAction: ServerAction = {
  key: 'suspend',
  policy: rule('os-suspend-server:suspend'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await powerServer(ctx, caller, uuid, 'suspend')
    return accepted
  },
}
