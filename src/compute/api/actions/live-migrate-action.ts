/** @module compute/api/actions/live-migrate-action: `os-migrateLive` (admin) with its fields by microversion */
import { ComputeValidationError } from '../../errors.js'
import { liveMigrateServer } from '../../service/server-migrate.js'
import { rule } from '../policy.js'
import { atLeast } from '../route-kit.js'
import { accepted, type ServerAction } from './server-action.js'

interface LiveMigrateBody {
  host: string | null
  block_migration: boolean | 'auto' | string
  disk_over_commit?: boolean | string
  force?: boolean | string
}

export const liveMigrateAction: ServerAction = {
  key: 'os-migrateLive',
  policy: rule('os-migrate-server:migrate_live'),
  schema: {
    type: 'object',
    required: ['host', 'block_migration'],
    properties: {
      host: { type: ['string', 'null'], minLength: 1, maxLength: 255 },
      block_migration: { type: ['boolean', 'string'] },
      disk_over_commit: { type: ['boolean', 'string'] },
      force: { type: ['boolean', 'string'] },
    },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const b = value as LiveMigrateBody
    const refuse = (field: string) => {
      throw new ComputeValidationError(
        `Invalid input for field/attribute os-migrateLive. Additional properties are not allowed ('${field}' was unexpected)`,
      )
    }
    // disk_over_commit is required until 2.25 and gone after; force exists from 2.30 to 2.67.
    if (atLeast(input, '2.25') && b.disk_over_commit !== undefined) refuse('disk_over_commit')
    if (!atLeast(input, '2.25') && b.disk_over_commit === undefined) {
      throw new ComputeValidationError(
        "Invalid input for field/attribute os-migrateLive. Value: 'disk_over_commit' is a required property",
      )
    }
    if (b.force !== undefined && (!atLeast(input, '2.30') || atLeast(input, '2.68')))
      refuse('force')
    if (b.block_migration === 'auto' && !atLeast(input, '2.25')) {
      throw new ComputeValidationError('block_migration auto is only accepted from 2.25')
    }
    await liveMigrateServer(ctx, caller, uuid, b.host)
    return accepted
  },
}
