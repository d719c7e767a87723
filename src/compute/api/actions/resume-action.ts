/** @module compute/api/actions/resume-action: `resume` */
import { powerServer } from '../../service/server-power.js'
import { rule } from '../policy.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const resumeAction: ServerAction = {
  key: 'resume',
  policy: rule('os-suspend-server:resume'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await powerServer(ctx, caller, uuid, 'resume')
    return accepted
  },
}
