/** @module compute/api/actions/force-delete-action: `forceDelete`, deleting even while deleting */
import { deleteServer } from '../../service/servers.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const forceDeleteAction: ServerAction = {
  key: 'forceDelete',
  policy: rule('servers:force_delete'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await deleteServer(ctx, caller, uuid, { force: true })
    return accepted
  },
}
