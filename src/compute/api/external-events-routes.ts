/** @module compute/api/external-events-routes: POST /os-server-external-events (services and admins) */
import { NotFoundError } from '../../core/errors/index.js'
import { ComputeValidationError } from '../errors.js'
import type { Route } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import {
  acceptExternalEvents,
  EXTERNAL_EVENT_NAMES,
  type ExternalEvent,
} from '../service/external-events.js'
import { rule } from './policy.js'
import { atLeast } from './route-kit.js'

/** The microversion each event name appeared in (the others exist from 2.1). */
const SINCE: Partial<Record<string, string>> = {
  'volume-extended': '2.51',
  'power-update': '2.76',
  'accelerator-request-bound': '2.82',
}

const body = {
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'server_uuid'],
        properties: {
          name: { type: 'string', enum: [...EXTERNAL_EVENT_NAMES] },
          server_uuid: { type: 'string', minLength: 1, maxLength: 255 },
          status: { type: 'string', enum: ['failed', 'completed', 'in-progress'] },
          tag: { type: 'string', maxLength: 255 },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
}

interface WireEvent {
  name: ExternalEvent['name']
  server_uuid: string
  status?: ExternalEvent['status']
  tag?: string
}

export function externalEventRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2.1/os-server-external-events',
      policy: rule('os-server-external-events:create'),
      schema: { body },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const wire = (input.body as { events: WireEvent[] }).events
        for (const e of wire) {
          const since = SINCE[e.name]
          if (since && !atLeast(input, since)) {
            throw new ComputeValidationError(
              `Invalid input for field/attribute name. Value: ${e.name}. It is not one of the events this microversion knows.`,
            )
          }
        }
        const results = await acceptExternalEvents(
          ctx,
          wire.map((e) => ({
            uuid: e.server_uuid,
            name: e.name,
            tag: e.tag ?? null,
            status: e.status ?? 'completed',
          })),
        )
        if (results.every((r) => r.code === 404)) {
          throw new NotFoundError('No instances found for any event')
        }
        const events = results.map((r, i) => ({
          ...wire[i],
          status: r.code === 200 ? (wire[i]?.status ?? 'completed') : 'failed',
          code: r.code,
        }))
        const status = results.every((r) => r.code === 200) ? 200 : 207
        return { status, body: { events } }
      },
    },
  ]
}
