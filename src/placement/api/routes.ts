/** @module placement/api/routes: the Placement API's route table */
import { NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import {
  deleteAllocations,
  getAllocations,
  postAllocations,
  putAllocations,
  type AllocationRequest,
} from '../service/allocations.js'
import { allocationCandidates } from '../service/candidates.js'
import type { PlacementContext } from '../service/context.js'
import {
  createProvider,
  deleteProvider,
  getInventories,
  getProvider,
  listProviders,
  setInventories,
  updateProvider,
  type Inventory,
  type Provider,
} from '../service/providers.js'
import { providerFilter, type TagQuery } from '../service/traits.js'
import { providerUsages } from '../service/usages.js'
import { traitRoutes } from './traits-routes.js'
import {
  allocationsBody,
  inventoriesBody,
  parseResources,
  providerBody,
  uuidParams,
} from './schemas.js'

/** Newest Placement microversion served. */
export const PLACEMENT_MAX_VERSION = '1.39'

const ADMIN = 'placement:admin'

function providerView(p: Provider, base: string) {
  const self = `${base}/resource_providers/${p.uuid}`
  return {
    uuid: p.uuid,
    name: p.name,
    generation: p.generation,
    parent_provider_uuid: p.parentProviderUuid,
    root_provider_uuid: p.rootProviderUuid,
    links: [
      { rel: 'self', href: self },
      { rel: 'inventories', href: `${self}/inventories` },
      { rel: 'usages', href: `${self}/usages` },
      { rel: 'allocations', href: `${self}/allocations` },
    ],
  }
}

function inventoryView(i: Inventory) {
  return {
    total: i.total,
    reserved: i.reserved,
    min_unit: i.minUnit,
    max_unit: i.maxUnit,
    step_size: i.stepSize,
    allocation_ratio: i.allocationRatio,
  }
}

function inventoriesView(generation: number, list: Inventory[]) {
  return {
    resource_provider_generation: generation,
    inventories: Object.fromEntries(list.map((i) => [i.resourceClass, inventoryView(i)])),
  }
}

type Body = Record<string, unknown>

function allocationRequest(input: RouteInput, body: Body): AllocationRequest {
  const allocations: Record<string, Record<string, number>> = {}
  const given = body['allocations'] as Record<string, { resources: Record<string, number> }>
  for (const [rp, entry] of Object.entries(given)) allocations[rp] = entry.resources
  const generation = body['consumer_generation']
  return {
    allocations,
    projectId: String(body['project_id'] ?? input.context.identity?.projectId ?? ''),
    userId: String(body['user_id'] ?? input.context.identity?.userId ?? ''),
    ...(generation !== undefined ? { consumerGeneration: generation as number | null } : {}),
  }
}

/** Whether the request's microversion is at least `version`. */
function since(input: RouteInput, version: string): boolean {
  return input.microversion ? input.microversion.compare(version) >= 0 : false
}

/** `required` (1.18+ on lists, 1.17+ on candidates) and `member_of` (1.3+, repeatable from 1.24). */
function tagQuery(input: RouteInput): TagQuery {
  const raw = (key: string): string[] => {
    const v = input.query[key]
    if (v === undefined) return []
    return (Array.isArray(v) ? v : [v]).map(String)
  }
  const required = raw('required')
  const memberOf = raw('member_of')
  return {
    ...(since(input, '1.17') && required.length > 0 ? { required: required.join(',') } : {}),
    ...(since(input, '1.3') && memberOf.length > 0
      ? { memberOf: since(input, '1.24') ? memberOf : memberOf.slice(-1) }
      : {}),
  }
}

/** Every route under `/placement`. */
export function placementRoutes(ctx: PlacementContext, base: string): Route[] {
  return [
    ...traitRoutes(ctx, base),
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      handler: async () => ({
        status: 200,
        body: {
          versions: [
            {
              id: 'v1.0',
              max_version: PLACEMENT_MAX_VERSION,
              min_version: '1.0',
              status: 'CURRENT',
              links: [{ rel: 'self', href: '' }],
            },
          ],
        },
      }),
    },
    {
      method: 'GET',
      path: '/resource_providers',
      policy: ADMIN,
      errors: [],
      handler: async (input) => {
        input.authorize()
        const q = input.query as { name?: string; uuid?: string }
        const wanted = await providerFilter(ctx, tagQuery(input))
        const list = (
          await listProviders(ctx, {
            ...(q.name !== undefined ? { name: q.name } : {}),
            ...(q.uuid !== undefined ? { uuid: q.uuid } : {}),
          })
        ).filter((p) => wanted(p.uuid))
        return { status: 200, body: { resource_providers: list.map((p) => providerView(p, base)) } }
      },
    },
    {
      method: 'POST',
      path: '/resource_providers',
      policy: ADMIN,
      schema: { body: providerBody },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        const b = input.body as Body
        const p = await createProvider(ctx, {
          name: String(b['name']),
          ...(typeof b['uuid'] === 'string' ? { uuid: b['uuid'] } : {}),
          ...(typeof b['parent_provider_uuid'] === 'string'
            ? { parentProviderUuid: b['parent_provider_uuid'] }
            : {}),
        })
        return {
          status: 200,
          body: providerView(p, base),
          headers: { location: `${base}/resource_providers/${p.uuid}` },
        }
      },
    },
    {
      method: 'GET',
      path: '/resource_providers/:uuid',
      policy: ADMIN,
      schema: { params: uuidParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        return {
          status: 200,
          body: providerView(await getProvider(ctx, input.params['uuid'] ?? ''), base),
        }
      },
    },
    {
      method: 'PUT',
      path: '/resource_providers/:uuid',
      policy: ADMIN,
      schema: { params: uuidParams, body: providerBody },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        const p = await updateProvider(ctx, input.params['uuid'] ?? '', {
          name: String((input.body as Body)['name']),
        })
        return { status: 200, body: providerView(p, base) }
      },
    },
    {
      method: 'DELETE',
      path: '/resource_providers/:uuid',
      policy: ADMIN,
      schema: { params: uuidParams },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        await deleteProvider(ctx, input.params['uuid'] ?? '')
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/resource_providers/:uuid/inventories',
      policy: ADMIN,
      schema: { params: uuidParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const { provider, inventories } = await getInventories(ctx, input.params['uuid'] ?? '')
        return { status: 200, body: inventoriesView(provider.generation, inventories) }
      },
    },
    {
      method: 'PUT',
      path: '/resource_providers/:uuid/inventories',
      policy: ADMIN,
      schema: { params: uuidParams, body: inventoriesBody },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        const b = input.body as {
          resource_provider_generation: number
          inventories: Record<string, Record<string, number>>
        }
        const list: Inventory[] = Object.entries(b.inventories).map(([rc, i]) => ({
          resourceClass: rc,
          total: i['total'] ?? 0,
          reserved: i['reserved'] ?? 0,
          minUnit: i['min_unit'] ?? 1,
          maxUnit: i['max_unit'] ?? i['total'] ?? 0,
          stepSize: i['step_size'] ?? 1,
          allocationRatio: i['allocation_ratio'] ?? 1,
        }))
        const { provider, inventories } = await setInventories(
          ctx,
          input.params['uuid'] ?? '',
          b.resource_provider_generation,
          list,
        )
        return { status: 200, body: inventoriesView(provider.generation, inventories) }
      },
    },
    {
      method: 'GET',
      path: '/resource_providers/:uuid/usages',
      policy: ADMIN,
      schema: { params: uuidParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const { provider, usages } = await providerUsages(ctx, input.params['uuid'] ?? '')
        return { status: 200, body: { resource_provider_generation: provider.generation, usages } }
      },
    },
    {
      method: 'GET',
      path: '/allocations/:uuid',
      policy: ADMIN,
      schema: { params: uuidParams },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const { allocations, consumer } = await getAllocations(ctx, input.params['uuid'] ?? '')
        return {
          status: 200,
          body: {
            allocations,
            ...(consumer
              ? {
                  consumer_generation: consumer.generation,
                  project_id: consumer.projectId,
                  user_id: consumer.userId,
                }
              : {}),
          },
        }
      },
    },
    {
      method: 'PUT',
      path: '/allocations/:uuid',
      policy: ADMIN,
      schema: { params: uuidParams, body: allocationsBody },
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        await putAllocations(
          ctx,
          input.params['uuid'] ?? '',
          allocationRequest(input, input.body as Body),
        )
        return { status: 204 }
      },
    },
    {
      method: 'POST',
      path: '/allocations',
      policy: ADMIN,
      errors: [404, 409],
      handler: async (input) => {
        input.authorize()
        const body = input.body as Record<string, Body>
        const requests: Record<string, AllocationRequest> = {}
        for (const [consumer, entry] of Object.entries(body)) {
          requests[consumer] = allocationRequest(input, entry)
        }
        await postAllocations(ctx, requests)
        return { status: 204 }
      },
    },
    {
      method: 'DELETE',
      path: '/allocations/:uuid',
      policy: ADMIN,
      schema: { params: uuidParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const had = await deleteAllocations(ctx, input.params['uuid'] ?? '')
        if (!had) throw new NotFoundError(`No allocations for consumer ${input.params['uuid']}`)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/allocation_candidates',
      policy: ADMIN,
      errors: [],
      handler: async (input) => {
        input.authorize()
        const q = input.query as { resources?: string; limit?: string }
        const request = parseResources(q.resources ?? '')
        const found = await allocationCandidates(ctx, request, {
          limit: q.limit ? Number(q.limit) : undefined,
          tags: tagQuery(input),
        })
        return {
          status: 200,
          body: {
            allocation_requests: found.map((c) => ({
              allocations: { [c.provider.uuid]: { resources: c.request } },
            })),
            provider_summaries: Object.fromEntries(
              found.map((c) => [
                c.provider.uuid,
                {
                  resources: c.summary,
                  ...(since(input, '1.17') ? { traits: c.traits } : {}),
                  parent_provider_uuid: c.provider.parentProviderUuid,
                  root_provider_uuid: c.provider.rootProviderUuid,
                },
              ]),
            ),
          },
        }
      },
    },
  ]
}
