/** @module placement/service/candidates: providers that can satisfy a request, with their room */
import {
  allInventories,
  listProviders,
  usages,
  type Inventory,
  type Provider,
} from '../db/placement-repo.js'
import { capacity } from './allocations.js'
import type { PlacementContext } from './context.js'
import { allProviderTraits, providerFilter, type TagQuery } from './traits.js'

/** One provider that fits the request, with its summary of every resource class. */
export interface Candidate {
  provider: Provider
  request: Record<string, number>
  summary: Record<string, { capacity: number; used: number }>
  traits: string[]
}

function fits(inv: Inventory | undefined, used: number, amount: number): boolean {
  if (!inv) return false
  if (amount < inv.minUnit || amount > inv.maxUnit || amount % inv.stepSize !== 0) return false
  return amount <= capacity(inv, used)
}

/** Providers (single-provider trees) that have room for every resource in `request`. */
export async function allocationCandidates(
  ctx: PlacementContext,
  request: Record<string, number>,
  options: { limit?: number | undefined; tags?: TagQuery } = {},
): Promise<Candidate[]> {
  const { limit } = options
  const wanted = await providerFilter(ctx, options.tags ?? {})
  const traits = await allProviderTraits(ctx)
  const inventories = await allInventories(ctx.db)
  const used = await usages(ctx.db)
  const out: Candidate[] = []
  for (const provider of await listProviders(ctx.db)) {
    if (!wanted(provider.uuid)) continue
    const invs = inventories.get(provider.uuid) ?? []
    const u = used.get(provider.uuid) ?? {}
    const ok = Object.entries(request).every(([rc, amount]) =>
      fits(
        invs.find((i) => i.resourceClass === rc),
        u[rc] ?? 0,
        amount,
      ),
    )
    if (!ok) continue
    const summary: Candidate['summary'] = {}
    for (const inv of invs) {
      summary[inv.resourceClass] = {
        capacity: Math.floor((inv.total - inv.reserved) * inv.allocationRatio),
        used: u[inv.resourceClass] ?? 0,
      }
    }
    out.push({ provider, request, summary, traits: [...(traits.get(provider.uuid) ?? [])].sort() })
    if (limit !== undefined && out.length >= limit) break
  }
  return out
}
