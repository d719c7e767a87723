/** @module compute/api/actions/floating-ip-actions: `addFloatingIp` and `removeFloatingIp` (until 2.43) */
import { addFloatingIp, removeFloatingIp } from '../../service/floating-ip-proxy.js'
import { rule } from '../policy.js'
import { accepted, type ServerAction } from './server-action.js'

const address = { type: 'string', minLength: 1, maxLength: 64 }

export const addFloatingIpAction: ServerAction = {
  key: 'addFloatingIp',
  policy: rule('os-floating-ips:add'),
  microversion: { max: '2.43' },
  schema: {
    type: 'object',
    required: ['address'],
    properties: { address, fixed_address: address },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const v = value as { address: string; fixed_address?: string }
    await addFloatingIp(ctx, caller, input.context.authToken ?? '', {
      uuid,
      address: v.address,
      fixedAddress: v.fixed_address ?? null,
    })
    return accepted
  },
}

export const removeFloatingIpAction: ServerAction = {
  key: 'removeFloatingIp',
  policy: rule('os-floating-ips:remove'),
  microversion: { max: '2.43' },
  schema: {
    type: 'object',
    required: ['address'],
    properties: { address },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const v = value as { address: string }
    await removeFloatingIp(ctx, caller, input.context.authToken ?? '', {
      uuid,
      address: v.address,
    })
    return accepted
  },
}
