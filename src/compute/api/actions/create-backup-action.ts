/** @module compute/api/actions/create-backup-action: `createBackup`, a rotated snapshot */
import { backupServer } from '../../service/server-snapshot.js'
import { rule } from '../policy.js'
import { atLeast, baseUrl } from '../route-kit.js'
import type { ServerAction } from './server-action.js'

export const createBackupAction: ServerAction = {
  key: 'createBackup',
  policy: rule('os-create-backup'),
  schema: {
    type: 'object',
    required: ['name', 'backup_type', 'rotation'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 255 },
      backup_type: { type: 'string' },
      rotation: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0 },
      metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 255 } },
    },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const v = value as {
      name: string
      backup_type: string
      rotation: number | string
      metadata?: Record<string, string>
    }
    const imageId = await backupServer(ctx, caller, uuid, {
      name: v.name,
      type: v.backup_type,
      rotation: Number(v.rotation),
      metadata: v.metadata ?? {},
    })
    if (atLeast(input, '2.45')) return { status: 202, body: { image_id: imageId } }
    return { status: 202, headers: { location: `${baseUrl(input)}/images/${imageId}` } }
  },
}
