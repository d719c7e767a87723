/** @module clients/placement-client: the Placement API as the compute service uses it */
import { restCall, type RestEndpoint } from './rest-client.js'

/** A provider that can hold a request, with what it has and uses of each resource class. */
export interface PlacementCandidate {
  providerUuid: string
  resources: Record<string, { capacity: number; used: number }>
}

/** A host's inventory of one resource class. */
export interface InventorySpec {
  total: number
  reserved?: number
  allocationRatio?: number
  maxUnit?: number
}

/** The Placement API client. */
export interface PlacementClient {
  /** Finds the provider named `name`, creating it with `uuid` when absent; returns its uuid. */
  ensureProvider(name: string, uuid: string): Promise<string>
  /** Replaces a provider's inventories (retrying on generation conflicts). */
  setInventories(uuid: string, inventories: Record<string, InventorySpec>): Promise<void>
  candidates(resources: Record<string, number>): Promise<PlacementCandidate[]>
  /** Claims `resources` on a provider for a consumer, replacing its allocations. */
  claim(
    consumerId: string,
    allocations: Record<string, Record<string, number>>,
    owner: { projectId: string; userId: string },
  ): Promise<void>
  /** The consumer's current allocations by provider. */
  allocations(consumerId: string): Promise<Record<string, Record<string, number>>>
  /** Removes a consumer's allocations; none is not an error. */
  release(consumerId: string): Promise<void>
  /** Usage of a provider by resource class. */
  usages(uuid: string): Promise<Record<string, number>>
  /** Inventory totals of a provider by resource class. */
  totals(uuid: string): Promise<Record<string, number>>
}

type Json = Record<string, unknown>

export function createPlacementClient(endpoint: RestEndpoint): PlacementClient {
  const ep = {
    ...endpoint,
    headers: { 'openstack-api-version': 'placement 1.28', ...endpoint.headers },
  }
  return {
    async ensureProvider(name, uuid) {
      const r = await restCall(ep, 'GET', `/resource_providers?name=${encodeURIComponent(name)}`)
      const found = (r.body as { resource_providers: Json[] }).resource_providers[0]
      if (found) return String(found['uuid'])
      await restCall(ep, 'POST', '/resource_providers', { body: { name, uuid } })
      return uuid
    },
    async setInventories(uuid, inventories) {
      const body = Object.fromEntries(
        Object.entries(inventories).map(([rc, i]) => [
          rc,
          {
            total: i.total,
            reserved: i.reserved ?? 0,
            allocation_ratio: i.allocationRatio ?? 1,
            max_unit: i.maxUnit ?? i.total,
          },
        ]),
      )
      for (let attempt = 0; ; attempt++) {
        const current = await restCall(ep, 'GET', `/resource_providers/${uuid}/inventories`)
        const generation = (current.body as { resource_provider_generation: number })
          .resource_provider_generation
        const r = await restCall(ep, 'PUT', `/resource_providers/${uuid}/inventories`, {
          body: { resource_provider_generation: generation, inventories: body },
          allow: attempt < 5 ? [409] : [],
        })
        if (r.status !== 409) return
      }
    },
    async candidates(resources) {
      const text = Object.entries(resources)
        .map(([rc, n]) => `${rc}:${n}`)
        .join(',')
      const r = await restCall(ep, 'GET', `/allocation_candidates?resources=${text}`)
      const summaries = (r.body as { provider_summaries: Record<string, { resources: Json }> })
        .provider_summaries
      return Object.entries(summaries).map(([providerUuid, s]) => ({
        providerUuid,
        resources: s.resources as PlacementCandidate['resources'],
      }))
    },
    async claim(consumerId, allocations, owner) {
      const current = await restCall(ep, 'GET', `/allocations/${consumerId}`)
      const generation = (current.body as { consumer_generation?: number }).consumer_generation
      await restCall(ep, 'PUT', `/allocations/${consumerId}`, {
        body: {
          allocations: Object.fromEntries(
            Object.entries(allocations).map(([rp, resources]) => [rp, { resources }]),
          ),
          project_id: owner.projectId,
          user_id: owner.userId,
          consumer_generation: generation ?? null,
        },
      })
    },
    async allocations(consumerId) {
      const r = await restCall(ep, 'GET', `/allocations/${consumerId}`)
      const all = (r.body as { allocations: Record<string, { resources: Record<string, number> }> })
        .allocations
      return Object.fromEntries(Object.entries(all).map(([rp, a]) => [rp, a.resources]))
    },
    async release(consumerId) {
      await restCall(ep, 'DELETE', `/allocations/${consumerId}`, { allow: [404] })
    },
    async totals(uuid) {
      const r = await restCall(ep, 'GET', `/resource_providers/${uuid}/inventories`)
      const inv = (r.body as { inventories: Record<string, { total: number }> }).inventories
      return Object.fromEntries(Object.entries(inv).map(([rc, i]) => [rc, i.total]))
    },
    async usages(uuid) {
      const r = await restCall(ep, 'GET', `/resource_providers/${uuid}/usages`)
      return (r.body as { usages: Record<string, number> }).usages
    },
  }
}
