/** @module compute/api/actions/create-image-action: `createImage`, a snapshot in the image service */
import { snapshotServer } from '../../service/server-snapshot.js'
import { rule } from '../policy.js'
import { atLeast, baseUrl } from '../route-kit.js'
import type { ServerAction } from './server-action.js'

export const createImageAction: ServerAction = {
  key: 'createImage',
  policy: rule('servers:create_image'),
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 255 },
      metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 255 } },
    },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value, input) {
    const v = value as { name: string; metadata?: Record<string, string> }
    const imageId = await snapshotServer(ctx, caller, uuid, {
      name: v.name,
      metadata: v.metadata ?? {},
    })
    // Before 2.45 the image is named in the Location header; from 2.45 in the body.
    if (atLeast(input, '2.45')) return { status: 202, body: { image_id: imageId } }
    return { status: 202, headers: { location: `${baseUrl(input)}/images/${imageId}` } }
  },
}
