/** @module compute/api/actions/confirm-resize-action: `confirmResize` */
import { confirmResize } from '../../service/server-resize.js'
import { rule } from '../policy.js'
import { nullValue, type ServerAction } from './server-action.js'

export const confirmResizeAction: ServerAction = {
  key: 'confirmResize',
  policy: rule('servers:confirm_resize'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await confirmResize(ctx, caller, uuid)
    return { status: 204 }
  },
}
