/** @module compute/api/actions/rebuild-action: `rebuild` from an image, answering with the server */
import { randomBytes } from 'node:crypto'
import { rebuildServer } from '../../service/server-rebuild.js'
import { showServer } from '../../service/server-list.js'
import { rule } from '../policy.js'
import { serverName } from '../server-schemas.js'
import { coreServerView } from '../server-view.js'
import type { ServerAction } from './server-action.js'

export const rebuildAction: ServerAction = {
  key: 'rebuild',
  policy: rule('servers:rebuild'),
  schema: {
    type: 'object',
    required: ['imageRef'],
    properties: {
      imageRef: { type: 'string', minLength: 1 },
      name: serverName,
      adminPass: { type: 'string' },
      metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 255 } },
      preserve_ephemeral: { type: 'boolean' },
      'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
      accessIPv4: { type: 'string', format: 'ipv4' },
      accessIPv6: { type: 'string', format: 'ipv6' },
      description: { type: ['string', 'null'], maxLength: 255 },
      key_name: { type: ['string', 'null'] },
      user_data: { type: ['string', 'null'] },
      personality: { type: 'array' },
      trusted_image_certificates: { type: ['array', 'null'] },
      hostname: { type: 'string' },
    },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const v = value as Record<string, unknown>
    await rebuildServer(ctx, caller, uuid, {
      imageRef: String(v['imageRef']),
      ...(typeof v['name'] === 'string' ? { name: v['name'] } : {}),
      ...(v['metadata'] ? { metadata: v['metadata'] as Record<string, string> } : {}),
      ...(v['description'] !== undefined ? { description: v['description'] as string | null } : {}),
      ...(typeof v['accessIPv4'] === 'string' ? { accessIpv4: v['accessIPv4'] } : {}),
      ...(typeof v['accessIPv6'] === 'string' ? { accessIpv6: v['accessIPv6'] } : {}),
      ...(v['OS-DCF:diskConfig'] === 'AUTO' || v['OS-DCF:diskConfig'] === 'MANUAL'
        ? { diskConfig: v['OS-DCF:diskConfig'] }
        : {}),
    })
    const detail = await showServer(ctx, caller, uuid)
    const view = coreServerView(input, detail, { isAdmin: caller.isAdmin, rebuild: true })
    // Nova answers with the new admin password, generated when the request gave none.
    view['adminPass'] =
      typeof v['adminPass'] === 'string' ? v['adminPass'] : randomBytes(9).toString('base64url')
    return { status: 202, body: { server: view } }
  },
}
