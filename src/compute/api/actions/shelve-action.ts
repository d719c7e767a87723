/** @module compute/api/actions/shelve-action: `shelve`, `shelveOffload` (admin) and `unshelve` */
import { ComputeValidationError } from '../../errors.js'
import { shelveOffloadServer, shelveServer, unshelveServer } from '../../service/server-shelve.js'
import { rule } from '../policy.js'
import { atLeast } from '../route-kit.js'
import { accepted, nullValue, type ServerAction } from './server-action.js'

export const shelveAction: ServerAction = {
  key: 'shelve',
  policy: rule('os-shelve:shelve'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await shelveServer(ctx, caller, uuid)
    return accepted
  },
}

export const shelveOffloadAction: ServerAction = {
  key: 'shelveOffload',
  policy: rule('os-shelve:shelve_offload'),
  schema: nullValue,
  async run(ctx, caller, uuid) {
    await shelveOffloadServer(ctx, caller, uuid)
    return accepted
  },
}

export const unshelveAction: ServerAction = {
  key: 'unshelve',
  policy: rule('os-shelve:unshelve'),
  schema: {
    type: ['null', 'object'],
    properties: { availability_zone: { type: 'string', minLength: 1, maxLength: 255 } },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const zone = (value as { availability_zone?: string } | null)?.availability_zone
    if (zone !== undefined && !atLeast(input, '2.77')) {
      throw new ComputeValidationError(
        'Invalid input for field/attribute unshelve. Additional properties are not allowed',
      )
    }
    await unshelveServer(ctx, caller, uuid, zone ?? null)
    return accepted
  },
}
