/** @module placement/api/traits-routes: /traits (1.6+), provider traits (1.6+) and aggregates (1.1+) */
import {
  compileValidator,
  validationError,
  type Route,
  type RouteInput,
} from '../../core/http/index.js'
import type { PlacementContext } from '../service/context.js'
import {
  clearProviderTraits,
  createTrait,
  deleteTrait,
  getProviderAggregates,
  getProviderTraits,
  listTraits,
  setProviderAggregates,
  setProviderTraits,
  showTrait,
} from '../service/traits.js'
import { uuidParams } from './schemas.js'

const ADMIN = 'placement:admin'
const TRAITS = { min: '1.6' }

const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 255 } },
}

const traitsBody = {
  type: 'object',
  required: ['traits', 'resource_provider_generation'],
  additionalProperties: false,
  properties: {
    traits: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Z0-9_]+$', minLength: 1, maxLength: 255 },
    },
    resource_provider_generation: { type: 'integer' },
  },
}

const aggregateList = {
  type: 'array',
  uniqueItems: true,
  items: { type: 'string', pattern: '^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$' },
}

const aggregatesBody = {
  old: compileValidator(aggregateList, 'body'),
  generation: compileValidator(
    {
      type: 'object',
      required: ['aggregates', 'resource_provider_generation'],
      additionalProperties: false,
      properties: {
        aggregates: aggregateList,
        resource_provider_generation: { type: 'integer' },
      },
    },
    'body',
  ),
}

function atLeast(input: RouteInput, version: string): boolean {
  return input.microversion ? input.microversion.compare(version) >= 0 : false
}

function aggregatesView(input: RouteInput, a: { generation: number; aggregates: string[] }) {
  return {
    aggregates: a.aggregates,
    ...(atLeast(input, '1.19') ? { resource_provider_generation: a.generation } : {}),
  }
}

export function traitRoutes(ctx: PlacementContext, base: string): Route[] {
  const uuidOf = (input: RouteInput) => input.params['uuid'] ?? ''
  return [
    {
      method: 'GET',
      path: '/traits',
      policy: ADMIN,
      microversion: TRAITS,
      errors: [],
      handler: async (input) => {
        input.authorize()
        const q = input.query as { name?: string; associated?: string }
        const associated =
          q.associated === undefined ? undefined : q.associated.toLowerCase() === 'true'
        const traits = await listTraits(ctx, {
          ...(q.name !== undefined ? { name: q.name } : {}),
          ...(associated !== undefined ? { associated } : {}),
        })
        return { status: 200, body: { traits } }
      },
    },
    {
      method: 'GET',
      path: '/traits/:name',
      policy: ADMIN,
      microversion: TRAITS,
      schema: { params: nameParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await showTrait(ctx, input.params['name'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'PUT',
      path: '/traits/:name',
      policy: ADMIN,
      microversion: TRAITS,
      schema: { params: nameParams },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const name = input.params['name'] ?? ''
        const created = await createTrait(ctx, name)
        return {
          status: created ? 201 : 204,
          headers: { location: `${base}/traits/${name}` },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/traits/:name',
      policy: ADMIN,
      microversion: TRAITS,
      schema: { params: nameParams },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        await deleteTrait(ctx, input.params['name'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/resource_providers/:uuid/traits',
      policy: ADMIN,
      microversion: TRAITS,
      schema: { params: uuidParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const t = await getProviderTraits(ctx, uuidOf(input))
        return {
          status: 200,
          body: { traits: t.traits, resource_provider_generation: t.generation },
        }
      },
    },
    {
      method: 'PUT',
      path: '/resource_providers/:uuid/traits',
      policy: ADMIN,
      microversion: TRAITS,
      schema: { params: uuidParams, body: traitsBody },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        const b = input.body as { traits: string[]; resource_provider_generation: number }
        const t = await setProviderTraits(
          ctx,
          uuidOf(input),
          b.resource_provider_generation,
          b.traits,
        )
        return {
          status: 200,
          body: { traits: t.traits, resource_provider_generation: t.generation },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/resource_providers/:uuid/traits',
      policy: ADMIN,
      microversion: TRAITS,
      schema: { params: uuidParams },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        await clearProviderTraits(ctx, uuidOf(input))
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/resource_providers/:uuid/aggregates',
      policy: ADMIN,
      microversion: { min: '1.1' },
      schema: { params: uuidParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        return {
          status: 200,
          body: aggregatesView(input, await getProviderAggregates(ctx, uuidOf(input))),
        }
      },
    },
    {
      method: 'PUT',
      path: '/resource_providers/:uuid/aggregates',
      policy: ADMIN,
      microversion: { min: '1.1' },
      schema: { params: uuidParams },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        // Before 1.19 the body is the list itself; from 1.19 an object with the generation.
        const withGeneration = atLeast(input, '1.19')
        const body = input.body as unknown
        const validate = withGeneration ? aggregatesBody.generation : aggregatesBody.old
        if (!validate(body)) throw validationError(validate.errors ?? [], 'body')
        const list = withGeneration
          ? (body as { aggregates: string[] }).aggregates
          : (body as string[])
        const generation = withGeneration
          ? (body as { resource_provider_generation: number }).resource_provider_generation
          : null
        const a = await setProviderAggregates(ctx, uuidOf(input), generation, list)
        return { status: 200, body: aggregatesView(input, a) }
      },
    },
  ]
}
