/** @module compute/api/aggregates-routes: os-aggregates (admin), availability zones by metadata */
import type { Route, RouteInput } from '../../core/http/index.js'
import {
  addHost,
  aggregates,
  createAggregate,
  deleteAggregate,
  getAggregate,
  removeHost,
  setMetadata,
  updateAggregate,
  type Aggregate,
} from '../service/aggregates.js'
import type { ComputeContext } from '../service/context.js'
import { rule } from './policy.js'
import { atLeast, member, microTime } from './route-kit.js'

function view(input: RouteInput, a: Aggregate) {
  return {
    id: a.id,
    name: a.name,
    availability_zone: a.metadata['availability_zone'] ?? null,
    hosts: a.hosts,
    metadata: a.metadata,
    created_at: microTime(a.createdAt),
    updated_at: a.updatedAt ? microTime(a.updatedAt) : null,
    deleted_at: null,
    deleted: false,
    ...(atLeast(input, '2.41') ? { uuid: a.uuid } : {}),
  }
}

/** The create answer: the aggregate without hosts and metadata, as Nova answers. */
function briefView(input: RouteInput, a: Aggregate) {
  const { hosts: _hosts, metadata: _metadata, ...rest } = view(input, a)
  return rest
}

const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?!\\s)[\\s\\S]*(?<!\\s)$' }
const zone = { type: ['string', 'null'], minLength: 1, maxLength: 255 }
const hostBody = {
  type: 'object',
  required: ['host'],
  properties: { host: { type: 'string', minLength: 1, maxLength: 255 } },
}

export function aggregateRoutes(ctx: ComputeContext): Route[] {
  const route = (r: Omit<Route, 'handler'> & { run: Route['handler'] }): Route => ({
    ...r,
    handler: async (input) => {
      input.authorize()
      return r.run(input)
    },
  })
  const one = async (input: RouteInput, a: Promise<Aggregate>, brief = false) => ({
    status: 200,
    body: { aggregate: brief ? briefView(input, await a) : view(input, await a) },
  })
  return [
    route({
      method: 'GET',
      path: '/v2.1/os-aggregates',
      policy: rule('os-aggregates:index'),
      errors: [],
      run: async (input) => ({
        status: 200,
        body: { aggregates: (await aggregates(ctx)).map((a) => view(input, a)) },
      }),
    }),
    route({
      method: 'POST',
      path: '/v2.1/os-aggregates',
      policy: rule('os-aggregates:create'),
      schema: {
        body: {
          type: 'object',
          required: ['aggregate'],
          properties: {
            aggregate: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: { name, availability_zone: zone },
            },
          },
        },
      },
      errors: [409],
      run: (input) => {
        const b = member(input, 'aggregate')
        return one(
          input,
          createAggregate(ctx, {
            name: String(b['name']),
            availabilityZone: (b['availability_zone'] as string | null | undefined) ?? null,
          }),
          true,
        )
      },
    }),
    route({
      method: 'GET',
      path: '/v2.1/os-aggregates/:id',
      policy: rule('os-aggregates:show'),
      errors: [404],
      run: (input) => one(input, getAggregate(ctx, input.params['id'] ?? '')),
    }),
    route({
      method: 'PUT',
      path: '/v2.1/os-aggregates/:id',
      policy: rule('os-aggregates:update'),
      schema: {
        body: {
          type: 'object',
          required: ['aggregate'],
          properties: {
            aggregate: {
              type: 'object',
              minProperties: 1,
              additionalProperties: false,
              properties: { name, availability_zone: zone },
            },
          },
        },
      },
      errors: [404, 409],
      run: (input) => {
        const b = member(input, 'aggregate')
        return one(
          input,
          updateAggregate(ctx, input.params['id'] ?? '', {
            ...(b['name'] !== undefined ? { name: String(b['name']) } : {}),
            ...(b['availability_zone'] !== undefined
              ? { availabilityZone: b['availability_zone'] as string | null }
              : {}),
          }),
        )
      },
    }),
    route({
      method: 'DELETE',
      path: '/v2.1/os-aggregates/:id',
      policy: rule('os-aggregates:delete'),
      errors: [404],
      run: async (input) => {
        await deleteAggregate(ctx, input.params['id'] ?? '')
        return { status: 200 }
      },
    }),
    route({
      method: 'POST',
      path: '/v2.1/os-aggregates/:id/action',
      policy: rule('os-aggregates:update'),
      schema: {
        body: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          additionalProperties: false,
          properties: {
            add_host: hostBody,
            remove_host: hostBody,
            set_metadata: {
              type: 'object',
              required: ['metadata'],
              properties: {
                metadata: {
                  type: 'object',
                  propertyNames: { minLength: 1, maxLength: 255 },
                  additionalProperties: { type: ['string', 'null'], maxLength: 255 },
                },
              },
            },
          },
        },
      },
      errors: [404, 409],
      run: (input) => {
        const id = input.params['id'] ?? ''
        const b = input.body as {
          add_host?: { host: string }
          remove_host?: { host: string }
          set_metadata?: { metadata: Record<string, string | null> }
        }
        if (b.add_host) return one(input, addHost(ctx, id, b.add_host.host))
        if (b.remove_host) return one(input, removeHost(ctx, id, b.remove_host.host))
        return one(input, setMetadata(ctx, id, b.set_metadata?.metadata ?? {}))
      },
    }),
  ]
}
