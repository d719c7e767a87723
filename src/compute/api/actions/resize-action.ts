/** @module compute/api/actions/resize-action: `resize` to another flavor */
import { resizeServer } from '../../service/server-resize.js'
import { rule } from '../policy.js'
import { accepted, type ServerAction } from './server-action.js'

export const resizeAction: ServerAction = {
  key: 'resize',
  policy: rule('servers:resize'),
  schema: {
    type: 'object',
    required: ['flavorRef'],
    properties: {
      flavorRef: { type: ['string', 'integer'], minLength: 1 },
      'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
    },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value) {
    const v = value as { flavorRef: string; 'OS-DCF:diskConfig'?: 'AUTO' | 'MANUAL' }
    const diskConfig = v['OS-DCF:diskConfig']
    await resizeServer(ctx, caller, uuid, String(v.flavorRef), diskConfig ? { diskConfig } : {})
    return accepted
  },
}
