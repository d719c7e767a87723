/** @module compute/api/actions/migrate-action: `migrate` (cold migration, admin), `host` from 2.56 */
import { migrateServer } from '../../service/server-migrate.js'
import { rule } from '../policy.js'
import { atLeast } from '../route-kit.js'
import { ComputeValidationError } from '../../errors.js'
import { accepted, type ServerAction } from './server-action.js'

export const migrateAction: ServerAction = {
  key: 'migrate',
  policy: rule('os-migrate-server:migrate'),
  schema: {
    type: ['null', 'object'],
    properties: { host: { type: ['string', 'null'], minLength: 1, maxLength: 255 } },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const host = (value as { host?: string | null } | null)?.host
    if (host !== undefined && !atLeast(input, '2.56')) {
      throw new ComputeValidationError(
        "Invalid input for field/attribute migrate. Value: {'host'}. Additional properties are not allowed",
      )
    }
    await migrateServer(ctx, caller, uuid, host ?? null)
    return accepted
  },
}
