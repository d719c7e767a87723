/** @module compute/api/actions/revert-resize-action: `revertResize` */
import { revertResize } from '../../service/server-resize.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const revertResizeAction: ServerAction = {
  key: 'revertResize',
  policy: rule('servers:revert_resize'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await revertResize(ctx, caller, uuid)
    return accepted
  },
}
