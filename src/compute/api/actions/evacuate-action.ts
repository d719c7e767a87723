/** @module compute/api/actions/evacuate-action: `evacuate` a server of a host that is down (admin) */
import { randomBytes } from 'node:crypto'
import { ComputeValidationError } from '../../errors.js'
import { evacuateServer } from '../../service/server-migrate.js'
import { rule } from '../policy.js'
import { atLeast } from '../route-kit.js'
import type { ServerAction } from './server-action.js'

interface EvacuateBody {
  host?: string
  adminPass?: string
  onSharedStorage?: boolean | string
  force?: boolean
}

export const evacuateAction: ServerAction = {
  key: 'evacuate',
  policy: rule('os-evacuate'),
  schema: {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, maxLength: 255 },
      adminPass: { type: 'string' },
      onSharedStorage: { type: ['boolean', 'string'] },
      force: { type: ['boolean', 'string'] },
    },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const b = value as EvacuateBody
    // onSharedStorage is required until 2.14 and gone after; force exists from 2.29 to 2.67.
    const shared = !atLeast(input, '2.14')
    if (shared && b.onSharedStorage === undefined) {
      throw new ComputeValidationError(
        "Invalid input for field/attribute evacuate. Value: 'onSharedStorage' is a required property",
      )
    }
    if (!shared && b.onSharedStorage !== undefined) {
      throw new ComputeValidationError('Additional properties are not allowed (onSharedStorage)')
    }
    if (b.force !== undefined && (!atLeast(input, '2.29') || atLeast(input, '2.68'))) {
      throw new ComputeValidationError('Additional properties are not allowed (force)')
    }
    await evacuateServer(ctx, caller, uuid, b.host ?? null)
    if (!shared) return { status: 200 }
    return { status: 200, body: { adminPass: b.adminPass ?? randomBytes(9).toString('base64url') } }
  },
}
