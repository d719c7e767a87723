/** @module compute/api/actions/add-security-group-action: `addSecurityGroup` on every port */
import { changeServerSecurityGroup } from '../../service/security-group-proxy.js'
import { rule } from '../policy.js'
import { accepted, type ServerAction } from './server-action.js'

export const addSecurityGroupAction: ServerAction = {
  key: 'addSecurityGroup',
  policy: rule('os-security-groups:add'),
  schema: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 255 } },
  },
  async run(ctx, caller, uuid, value, input) {
    const group = (value as { name: string }).name
    const token = input.context.authToken ?? ''
    await changeServerSecurityGroup(ctx, caller, token, { uuid, group, add: true })
    return accepted
  },
}
